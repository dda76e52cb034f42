"""API: who can see a meeting, its read-only guest links, and the recap email."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings.conference.permissions import meeting_to_manage
from meetings.conference.recap import send_recap
from meetings.conference.serializers import (
    RecapResultSerializer,
    ShareLinkCreateSerializer,
    ShareLinkSerializer,
    SharingSerializer,
)
from meetings.conference.sharing import create_share_link, revoke_share_link, set_visibility, share_link_of
from nexochat.errors import ErrorSerializer, ServiceError, error_response


class SharingView(APIView):
    def _data(self, meeting):
        return {
            "visibility": meeting.visibility,
            "allowed_members": list(meeting.allowed_members.values_list("pk", flat=True)),
        }

    @extend_schema(summary="Who can see a meeting (creator or admin)", responses=SharingSerializer)
    def get(self, request, pk):
        return Response(self._data(meeting_to_manage(request.user, pk)))

    @extend_schema(
        summary="Set who can see a meeting (creator or admin)",
        request=SharingSerializer,
        responses={200: SharingSerializer, 400: ErrorSerializer},
    )
    def put(self, request, pk):
        meeting = meeting_to_manage(request.user, pk)
        data = SharingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            set_visibility(
                meeting,
                data.validated_data["visibility"],
                data.validated_data.get("allowed_members", []),
                user=request.user,
            )
        except ServiceError as exc:
            return error_response(exc)
        return Response(self._data(meeting))


class ShareLinkListView(APIView):
    @extend_schema(summary="A meeting's guest links (creator or admin)", responses=ShareLinkSerializer(many=True))
    def get(self, request, pk):
        meeting = meeting_to_manage(request.user, pk)
        return Response(ShareLinkSerializer(meeting.share_links.all(), many=True, context={"request": request}).data)

    @extend_schema(
        summary="Create a read-only guest link with an expiry",
        request=ShareLinkCreateSerializer,
        responses={201: ShareLinkSerializer},
    )
    def post(self, request, pk):
        meeting = meeting_to_manage(request.user, pk)
        data = ShareLinkCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = create_share_link(meeting, request.user, data.validated_data["days"])
        return Response(ShareLinkSerializer(link, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ShareLinkRevokeView(APIView):
    @extend_schema(summary="Revoke a guest link", request=None, responses=ShareLinkSerializer)
    def post(self, request, pk, link_id):
        link = revoke_share_link(share_link_of(meeting_to_manage(request.user, pk), link_id), user=request.user)
        return Response(ShareLinkSerializer(link, context={"request": request}).data)


class RecapView(APIView):
    @extend_schema(
        summary="Email the recap (minutes and each attendee's action items) now",
        request=None,
        responses={200: RecapResultSerializer, 400: ErrorSerializer},
    )
    def post(self, request, pk):
        meeting = meeting_to_manage(request.user, pk)
        try:
            count = send_recap(meeting)
        except ServiceError as exc:
            return error_response(exc)
        return Response({"sent": count, "sent_at": timezone.now()})
