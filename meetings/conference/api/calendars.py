"""API: calendar views, the private feed's address, your preferences and the dashboard."""

import datetime

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings.conference.api import params
from meetings.conference.calendars import meetings_between
from meetings.conference.dashboard import dashboard
from meetings.conference.preferences import (
    feed_url,
    preference_for,
    reset_feed_token,
    revoke_feed_token,
    set_recap_emails,
    set_timezone,
)
from meetings.conference.serializers import (
    CalendarEventSerializer,
    CalendarQuerySerializer,
    ConferenceActionItemSerializer,
    DashboardSerializer,
    FeedSerializer,
    PreferenceSerializer,
)
from meetings.serializers import JobSerializer
from nexochat.errors import ErrorSerializer, ServiceError, error_response
from nexochat.ids import ID_RANGE


class CalendarView(APIView):
    @extend_schema(
        summary="Meetings between two instants, for calendar views",
        parameters=[CalendarQuerySerializer],
        responses=CalendarEventSerializer(many=True),
    )
    def get(self, request):
        v = params.query(request, CalendarQuerySerializer)
        if not v["start"] < v["end"] <= v["start"] + datetime.timedelta(days=100):
            raise serializers.ValidationError({"end": "After start, and at most 100 days later."})
        organization = params.organization_or_all(request.user, v.get("organization"))
        meetings = meetings_between(request.user, organization, v["start"], v["end"])
        return Response(CalendarEventSerializer(meetings, many=True).data)


def _feed_data(request, preference):
    return {"url": feed_url(request, preference), "created_at": preference.feed_created_at}


class FeedView(APIView):
    @extend_schema(summary="Your private calendar feed address", responses=FeedSerializer)
    def get(self, request):
        return Response(_feed_data(request, preference_for(request.user)))

    @extend_schema(
        summary="Make a new feed address (the old one stops working)", request=None, responses=FeedSerializer
    )
    def post(self, request):
        return Response(_feed_data(request, reset_feed_token(request.user)))

    @extend_schema(summary="Turn the feed off", responses={204: None})
    def delete(self, request):
        revoke_feed_token(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PreferenceView(APIView):
    def _data(self, user):
        return {"recap_emails": preference_for(user).recap_emails, "timezone": user.timezone}

    @extend_schema(summary="Your recap-email and time-zone preferences", responses=PreferenceSerializer)
    def get(self, request):
        return Response(self._data(request.user))

    @extend_schema(
        summary="Change your preferences",
        request=PreferenceSerializer,
        responses={200: PreferenceSerializer, 400: ErrorSerializer},
    )
    def patch(self, request):
        data = PreferenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            if "recap_emails" in data.validated_data:
                set_recap_emails(request.user, data.validated_data["recap_emails"])
            if "timezone" in data.validated_data:
                set_timezone(request.user, data.validated_data["timezone"])
        except ServiceError as exc:
            return error_response(exc)
        return Response(self._data(request.user))


class DashboardQuerySerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False, help_text="Default: your only organization.", **ID_RANGE)


class DashboardView(APIView):
    @extend_schema(
        summary="Upcoming meetings, your open action items, recently processed meetings, the processing queue",
        parameters=[DashboardQuerySerializer],
        responses={200: DashboardSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        try:
            chosen = params.query(request, DashboardQuerySerializer).get("organization")
            organization = params.organization(request.user, chosen)
        except ServiceError as exc:
            return error_response(exc)
        data = dashboard(request.user, organization)
        context = {"request": request, "today": data["today"]}
        return Response(
            {
                "upcoming": CalendarEventSerializer(data["upcoming"], many=True).data,
                "my_action_items": ConferenceActionItemSerializer(data["my_items"], many=True, context=context).data,
                "recently_processed": CalendarEventSerializer(data["recent"], many=True).data,
                "processing_queue": JobSerializer(data["queue"], many=True).data,
            }
        )
