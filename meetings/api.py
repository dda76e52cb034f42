"""API views for meetings, their recordings and processing jobs. Thin: access goes through
meetings.access, writes through meetings.services, validation through meetings.serializers."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from accounts.access import get_membership
from accounts.models import User
from meetings.processing.api import ID_REGEX, MeetingJobsAction
from meetings.recordings.api import RecordingActions

from . import services
from .access import meetings_for
from .params import int_or_none
from .serializers import (
    MeetingDetailSerializer,
    MeetingFilterSerializer,
    MeetingSerializer,
)


class StandardPagination(PageNumberPagination):
    """Pages of 25; `page_size` asks for another size (at most 100 are sent). A page_size that is not a
    positive whole number is refused (400) rather than quietly replaced by the default."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values or values == [""]:
            return self.page_size
        size = int_or_none(values[-1])
        if len(values) > 1 or size is None or size < 1:
            raise ValidationError({self.page_size_query_param: [_("A whole number from 1.")]})
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


def _require_delete_permission(user, meeting):
    if not services.can_delete_meeting(user, get_membership(user, meeting.organization_id), meeting):
        raise PermissionDenied(_("Only the meeting's creator or an organization admin can delete it."))


@extend_schema_view(
    list=extend_schema(summary="Meetings in your organizations, newest first", parameters=[MeetingFilterSerializer]),
    create=extend_schema(summary="Create a meeting", responses={201: MeetingDetailSerializer}),
    retrieve=extend_schema(summary="A meeting, with its recording and latest job"),
    update=extend_schema(
        summary="Replace a meeting's fields",
        responses={200: MeetingDetailSerializer, 409: OpenApiResponse(description="organization_fixed")},
    ),
    partial_update=extend_schema(
        summary="Change some of a meeting's fields",
        responses={200: MeetingDetailSerializer, 409: OpenApiResponse(description="organization_fixed")},
    ),
    destroy=extend_schema(summary="Delete a meeting and its recording (creator or admin)"),
)
class MeetingViewSet(RecordingActions, MeetingJobsAction, viewsets.ModelViewSet):
    serializer_class = MeetingSerializer
    pagination_class = StandardPagination
    lookup_value_regex = ID_REGEX

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
