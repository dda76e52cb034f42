"""API views for meetings, their recordings and processing jobs. Thin: access goes through
meetings.access, writes through meetings.services, validation through meetings.serializers."""

import json

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from accounts.access import get_membership
from accounts.models import User
from meetings.recordings.uploads import storage_unavailable_message as STORAGE_UNAVAILABLE
from nexochat.errors import ErrorSerializer, ServiceError
from nexochat.security import rate_limit

from . import services
from .access import get_job_for, jobs_for, meetings_for
from .serializers import (
    JobSerializer,
    MeetingDetailSerializer,
    MeetingFilterSerializer,
    MeetingSerializer,
    RecordingSerializer,
    RecordingUploadResultSerializer,
    RecordingUploadSerializer,
)
from .views import member_recording_response

# Database ids: anything else in the URL is a 404, never a database error.
ID_REGEX = r"\d{1,18}"
# Room for the multipart envelope around a file of exactly MAX_UPLOAD_SIZE bytes.
MULTIPART_OVERHEAD = 64 * 1024


class MediaPassthroughRenderer(BaseRenderer):
    """Lets a client that asks for audio get the file; errors still come back as JSON."""

    media_type = "*/*"
    format = "media"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


def _require_delete_permission(user, meeting):
    if not services.can_delete_meeting(user, get_membership(user, meeting.organization_id), meeting):
        raise PermissionDenied(_("Only the meeting's creator or an organization admin can delete it."))


def _too_large_message():
    return _("The file is larger than the upload limit (%(limit)s).") % {
        "limit": filesizeformat(settings.MAX_UPLOAD_SIZE)
    }


def _error(message, code, http_status, existing_meeting=None):
    body = {"error": str(message), "code": code}
    if existing_meeting is not None:
        body["existing_meeting"] = existing_meeting.pk
    return Response(body, status=http_status)


UPLOAD_ERROR_STATUS = {
    "too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "duplicate": status.HTTP_409_CONFLICT,
    "exists": status.HTTP_409_CONFLICT,
    "storage_unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
}


@extend_schema_view(
    list=extend_schema(summary="Meetings in your organizations, newest first", parameters=[MeetingFilterSerializer]),
    create=extend_schema(summary="Create a meeting", responses={201: MeetingDetailSerializer}),
    retrieve=extend_schema(summary="A meeting, with its recording and latest job"),
    update=extend_schema(summary="Replace a meeting's fields", responses=MeetingDetailSerializer),
    partial_update=extend_schema(summary="Change some of a meeting's fields", responses=MeetingDetailSerializer),
    destroy=extend_schema(summary="Delete a meeting and its recording (creator or admin)"),
)
class MeetingViewSet(viewsets.ModelViewSet):
    serializer_class = MeetingSerializer
    pagination_class = StandardPagination
    lookup_value_regex = ID_REGEX
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_serializer_class(self):
        if self.action == "list":
            return MeetingSerializer
        return MeetingDetailSerializer

    def get_queryset(self):
        return (
            meetings_for(self.request.user)
            .select_related("organization", "created_by", "_recording")
            .prefetch_related("tags", Prefetch("participants", queryset=User.objects.only("id")))
        )

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def filter_queryset(self, queryset):
        filters = MeetingFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        if "organization" in params:
            queryset = queryset.filter(
                organization=get_membership(self.request.user, params["organization"]).organization
            )
        if params.get("q"):
            queryset = queryset.filter(Q(title__icontains=params["q"]) | Q(description__icontains=params["q"]))
        if params.get("tag"):
            queryset = queryset.filter(tags__name=params["tag"])
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("held_after"):
            queryset = queryset.filter(held_at__gte=params["held_after"])
        if params.get("held_before"):
            queryset = queryset.filter(held_at__lt=params["held_before"])
        return queryset.order_by("-held_at", "-id")

    def list(self, request, *args, **kwargs):
        # Sort and page over ids alone (an index covers them), then load only that page's rows with
        # their relations: sorting 10,000 full rows is what made a deep page slow.
        ids = self.paginate_queryset(self.filter_queryset(meetings_for(request.user)).values_list("pk", flat=True))
        by_id = {meeting.pk: meeting for meeting in self.get_queryset().filter(pk__in=ids)}
        meetings = [by_id[pk] for pk in ids if pk in by_id]
        return self.get_paginated_response(self.get_serializer(meetings, many=True).data)

    def _detail(self, meeting, http_status=status.HTTP_200_OK):
        meeting = self.get_queryset().get(pk=meeting.pk)
        return Response(
            MeetingDetailSerializer(meeting, context=self.get_serializer_context()).data, status=http_status
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = serializer.save()
        return self._detail(meeting, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        meeting = self.get_object()
        serializer = self.get_serializer(meeting, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return self._detail(meeting)

    def destroy(self, request, *args, **kwargs):
        meeting = self.get_object()
        _require_delete_permission(request.user, meeting)
        services.delete_meeting(meeting, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        summary="The meeting's recording metadata",
        responses={200: RecordingSerializer, 404: OpenApiResponse(description="No such meeting, or no recording yet.")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload the meeting's recording (multipart field 'file')",
        request={"multipart/form-data": RecordingUploadSerializer},
        responses={
            201: RecordingUploadResultSerializer,
            400: ErrorSerializer,
            409: ErrorSerializer,
            413: ErrorSerializer,
        },
    )
    @action(
        detail=True, methods=["get", "post"], parser_classes=[MultiPartParser], serializer_class=RecordingSerializer
    )
    def recording(self, request, pk=None):
        if request.method == "GET":
            meeting = self.get_object()
            if meeting.recording is None:
                raise Http404(_("This meeting has no recording yet."))
            return Response(RecordingSerializer(meeting.recording).data)
        return self._upload(request)

    @extend_schema(
        summary="Download the recording (supports Range requests for seeking)",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (206, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such meeting, or no recording yet."),
            416: OpenApiResponse(description="The requested range is past the end of the file."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="recording/file",
        renderer_classes=[JSONRenderer, MediaPassthroughRenderer],
    )
    def recording_file(self, request, pk=None):
        meeting = self.get_object()
        recording = meeting.recording
        if recording is None or not recording.file:
            raise Http404(_("This meeting has no recording yet."))
        return member_recording_response(request, recording)

    @rate_limit("upload")
    def _upload(self, request):
        meeting = self.get_object()
        too_large = _too_large_message()
        try:
            content_length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            content_length = 0
        if content_length > settings.MAX_UPLOAD_SIZE + MULTIPART_OVERHEAD:
            return _error(too_large, "too_large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        uploaded = request.FILES.get("file")
        if getattr(request, "upload_errors", {}).get("file") == "storage_unavailable":
            return _error(STORAGE_UNAVAILABLE(), "storage_unavailable", status.HTTP_503_SERVICE_UNAVAILABLE)
        if getattr(request, "upload_errors", {}).get("file") == "too_large":
            return _error(too_large, "too_large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        if uploaded is None:
            return _error(_("Choose a file to upload (multipart field “file”)."), "no_file", 400)
        try:
            recording, job = services.attach_recording(meeting, uploaded, request.user)
        except ServiceError as exc:
            http_status = UPLOAD_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
            message = too_large if exc.code == "too_large" else exc
            return _error(message, exc.code, http_status, exc.details.get("existing_meeting"))
        recording.refresh_from_db()
        job.refresh_from_db()
        body = {"recording": RecordingSerializer(recording).data, "job": JobSerializer(job).data}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The meeting's processing jobs, newest first", responses=JobSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=JobSerializer)
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
        if job.meeting.recording is None:
            return _error(_("Upload a recording first."), "no_recording", status.HTTP_409_CONFLICT)
        try:
            new_job = services.retry_job(job)
        except ValueError:
            return _error(_("This job is still running."), "running", status.HTTP_409_CONFLICT)
        new_job.refresh_from_db()
        return Response(JobSerializer(new_job).data, status=status.HTTP_202_ACCEPTED)
