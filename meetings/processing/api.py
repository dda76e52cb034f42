"""Processing jobs in the API: /api/v1/jobs/<id>/ (and its retry) and a meeting's job list
(/api/v1/meetings/<id>/jobs/, an action of the meetings resource, mixed into MeetingViewSet)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from meetings.access import get_job_for, jobs_for, meetings_for
from meetings.processing import services
from meetings.serializers import JobSerializer
from nexochat.errors import ErrorSerializer, ServiceError, error_response

# Database ids: anything else in the URL is a 404, never a database error.
ID_REGEX = r"\d{1,18}"
RETRY_STATUS = {"no_recording": status.HTTP_409_CONFLICT, "running": status.HTTP_409_CONFLICT}


class MeetingJobsAction:
    @extend_schema(summary="The meeting's processing jobs, newest first", responses=JobSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=JobSerializer, pagination_class=None)
    def jobs(self, request, pk=None):
        meeting = get_object_or_404(meetings_for(request.user), pk=pk)
        return Response(JobSerializer(meeting.jobs.order_by("-created_at", "-id"), many=True).data)


@extend_schema_view(retrieve=extend_schema(summary="A processing job: state, stage, percent, reason, timings"))
class JobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = JobSerializer
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        return jobs_for(self.request.user)

    def get_object(self):
        return get_job_for(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary="Run a finished or failed job again",
        request=None,
        responses={202: JobSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        job = self.get_object()
        try:
            if job.meeting.recording is None:
                raise ServiceError(_("Upload a recording first."), "no_recording")
            new_job = services.retry_job(job)
        except ServiceError as exc:
            return error_response(exc, RETRY_STATUS)
        new_job.refresh_from_db()
        return Response(JobSerializer(new_job).data, status=status.HTTP_202_ACCEPTED)
