"""API: schedule meetings (agenda, attendees, repeating series) and confirm which speaker is which attendee."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings.access import get_meeting_for
from meetings.conference.api import params
from meetings.conference.attendees import Guest, attendees_of
from meetings.conference.scheduling import create_series, schedule_meeting, series_for, series_in, update_schedule
from meetings.conference.serializers import (
    AttendeeSerializer,
    ScheduleCreateSerializer,
    ScheduleSerializer,
    SeriesSerializer,
    SpeakerConfirmSerializer,
    SpeakerMatchesSerializer,
)
from meetings.conference.speakers import confirm_speakers, suggest_speakers
from meetings.models import Recurrence
from nexochat.errors import ErrorSerializer, ServiceError, error_response


def _schedule_data(meeting, request):
    meeting.attendee_rows = attendees_of(meeting)
    return ScheduleSerializer(meeting, context={"request": request}).data


def _split_attendees(rows):
    member_ids = [row["user_id"] for row in rows if row.get("user_id")]
    guests = [
        Guest((row.get("email") or "").lower(), (row.get("name") or "").strip())
        for row in rows
        if not row.get("user_id")
    ]
    return member_ids, guests


class ScheduleCreateView(APIView):
    @extend_schema(
        summary="Schedule a meeting (or several, in a repeating series)",
        request=ScheduleCreateSerializer,
        responses={201: ScheduleSerializer(many=True), 400: ErrorSerializer},
    )
    def post(self, request):
        data = ScheduleCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            organization = params.organization(request.user, v.get("organization_id"))
            member_ids, guests = _split_attendees(v.get("attendee_rows", []))
            created = schedule_meeting(
                organization,
                request.user,
                title=v["title"],
                held_at=v["held_at"],
                duration_minutes=v.get("duration_minutes", 60),
                location=v.get("location", ""),
                video_link=v.get("video_link", ""),
                series=series_in(organization, v.get("series_id")),
                agenda=v.get("agenda_items", {}).get("all", []),
                member_ids=member_ids,
                guests=guests,
                occurrences=v.get("occurrences", 1),
            )
        except ServiceError as exc:
            return error_response(exc)
        return Response([_schedule_data(m, request) for m in created], status=status.HTTP_201_CREATED)


class ScheduleView(APIView):
    @extend_schema(
        summary="A meeting's schedule: time, place, agenda, attendees, carried action items",
        responses=ScheduleSerializer,
    )
    def get(self, request, pk):
        return Response(_schedule_data(get_meeting_for(request.user, pk), request))

    @extend_schema(
        summary="Change a meeting's schedule (fields not sent are kept; agenda and attendees are replaced)",
        request=ScheduleSerializer,
        responses={200: ScheduleSerializer, 400: ErrorSerializer},
    )
    def patch(self, request, pk):
        meeting = get_meeting_for(request.user, pk)
        data = ScheduleSerializer(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            member_ids = guests = None
            if "attendee_rows" in v:
                member_ids, guests = _split_attendees(v["attendee_rows"])
            update_schedule(
                meeting,
                title=v.get("title"),
                held_at=v.get("held_at"),
                duration_minutes=v.get("duration_minutes"),
                location=v.get("location"),
                video_link=v.get("video_link"),
                series=series_in(meeting.organization, v["series_id"]) if "series_id" in v else ...,
                agenda=v["agenda_items"]["all"] if "agenda_items" in v else None,
                member_ids=member_ids,
                guests=guests,
            )
        except ServiceError as exc:
            return error_response(exc)
        meeting.refresh_from_db()
        return Response(_schedule_data(meeting, request))


class SeriesListView(APIView):
    @extend_schema(summary="Meeting series in your organizations", responses=SeriesSerializer(many=True))
    def get(self, request):
        return Response(SeriesSerializer(series_for(request.user), many=True).data)

    @extend_schema(
        summary="Create a meeting series",
        request=SeriesSerializer,
        responses={201: SeriesSerializer, 400: ErrorSerializer},
    )
    def post(self, request):
        data = SeriesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            series = create_series(
                params.organization(request.user, v.get("organization_id")),
                request.user,
                name=v["name"],
                recurrence=v.get("recurrence", Recurrence.WEEKLY),
                description=v.get("description", ""),
            )
        except ServiceError as exc:
            return error_response(exc)
        return Response(SeriesSerializer(series).data, status=status.HTTP_201_CREATED)


class SpeakerMatchView(APIView):
    def _data(self, meeting):
        attendees = attendees_of(meeting)
        return {
            "attendees": AttendeeSerializer(attendees, many=True).data,
            "suggestions": [{"speaker": s, "attendee": a} for s, a in suggest_speakers(meeting).items()],
            "confirmed": [{"speaker": a.speaker_id, "attendee": a.pk} for a in attendees if a.speaker_id],
        }

    @extend_schema(
        summary="Which speaker is which attendee: suggestions and what was confirmed",
        responses=SpeakerMatchesSerializer,
    )
    def get(self, request, pk):
        return Response(self._data(get_meeting_for(request.user, pk)))

    @extend_schema(
        summary="Confirm speakers (attendee null: not an attendee)",
        request=SpeakerConfirmSerializer,
        responses={200: SpeakerMatchesSerializer, 400: ErrorSerializer},
    )
    def post(self, request, pk):
        meeting = get_meeting_for(request.user, pk)
        data = SpeakerConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            confirm_speakers(meeting, {m["speaker"]: m["attendee"] for m in data.validated_data["matches"]})
        except ServiceError as exc:
            return error_response(exc, {"unknown_speaker": status.HTTP_404_NOT_FOUND})
        return Response(self._data(meeting))
