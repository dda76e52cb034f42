"""API: who can see a meeting, its read-only guest links, and the recap email."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import get_membership, require_admin
from meetings.conference.permissions import meeting_to_manage
from meetings.conference.recap import recap_plan, send_recap, set_recap_after_minutes
from meetings.conference.serializers import (
    RecapPlanSerializer,
    RecapResultSerializer,
    RecapSettingsSerializer,
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
        summary="Who would receive the recap if it were sent now (creator or admin)",
        responses=RecapPlanSerializer,
    )
    def get(self, request, pk):
        return Response(RecapPlanSerializer(recap_plan(meeting_to_manage(request.user, pk))).data)

    @extend_schema(
        summary="Email the recap (minutes and each attendee's action items) now; ask GET first who gets it",
        request=None,
        responses={200: RecapResultSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk):
        meeting = meeting_to_manage(request.user, pk)
        try:
            sent_to = send_recap(meeting)
        except ServiceError as exc:
            return error_response(exc)
        return Response(
            RecapResultSerializer({"sent": len(sent_to), "sent_at": meeting.recap_sent_at, "recipients": sent_to}).data
        )


class RecapSettingsView(APIView):
    def _organization(self, org_id):
        membership = get_membership(self.request.user, org_id)
        require_admin(membership)
        return membership.organization

    @extend_schema(
        summary="Whether the organization emails recaps by itself (owners and admins)",
        responses=RecapSettingsSerializer,
    )
    def get(self, request, org_id):
        organization = self._organization(org_id)
        return Response({"recap_after_minutes": organization.recap_after_minutes})

    @extend_schema(
        summary="Turn automatic recap emails on or off for the organization (owners and admins)",
        request=RecapSettingsSerializer,
        responses={200: RecapSettingsSerializer, 400: ErrorSerializer},
    )
    def put(self, request, org_id):
        organization = self._organization(org_id)
        body = RecapSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        set_recap_after_minutes(organization, body.validated_data["recap_after_minutes"], user=request.user)
        return Response({"recap_after_minutes": organization.recap_after_minutes})
