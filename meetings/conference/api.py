"""API for conference management (issue #6), included under /api/v1/: scheduling (agenda, attendees,
series), calendar and the private feed, speaker confirmation, the action-item tracker, the decision
log, sharing (visibility and guest links), recap emails, the dashboard and user preferences.
Access goes through meetings.access; writes through conference_services."""

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import get_membership, memberships_for
from accounts.serializers import UserSummarySerializer
from meetings.access import get_meeting_for
from meetings.api import StandardPagination
from meetings.conference.attendees import Guest, attendees_of
from meetings.conference.calendars import local_today, meetings_between
from meetings.conference.dashboard import dashboard
from meetings.conference.items import (
    action_items_for,
    carried_action_items,
    clear_supersede,
    decisions_for,
    filter_action_items,
    filter_decisions,
    is_overdue,
    moment_url,
    set_item_status,
    supersede,
)
from meetings.conference.permissions import can_change_item, can_manage
from meetings.conference.preferences import (
    preference_for,
    reset_feed_token,
    revoke_feed_token,
    set_recap_emails,
    set_timezone,
)
from meetings.conference.scheduling import MAX_OCCURRENCES, create_series, schedule_meeting, series_for, update_schedule
from meetings.conference.sharing import SHARE_MAX_DAYS, create_share_link, revoke_share_link, set_visibility
from meetings.conference.speakers import confirm_speakers, suggest_speakers
from meetings.minutes.api import ItemStatusField
from meetings.models import ActionItem, Recurrence, Series, ShareLink, Visibility
from meetings.serializers import BoundedDateTimeField, JobSerializer
from nexochat.errors import ErrorSerializer, ServiceError, error_response

ID = {"min_value": 1, "max_value": 2**63 - 1}


def _require_manage(user, meeting):
    if not can_manage(user, meeting):
        raise PermissionDenied("Only the meeting's creator or an organization admin can do this.")


# --- serializers -----------------------------------------------------------------------------


class MeetingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    held_at = serializers.DateTimeField()


class SeriesSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(
        source="organization_id",
        required=False,
        help_text="Required when you belong to several organizations.",
        **ID,
    )

    class Meta:
        model = Series
        fields = ["id", "organization", "name", "description", "recurrence", "created_at"]
        read_only_fields = ["id", "created_at"]


class AgendaItemSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1440)


class AttendeeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    user = serializers.IntegerField(
        source="user_id", required=False, allow_null=True, help_text="A member's user id.", **ID
    )
    email = serializers.EmailField(required=False, allow_blank=True, help_text="A guest's email.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    display_name = serializers.CharField(read_only=True)
    is_guest = serializers.BooleanField(read_only=True)
    speaker = serializers.IntegerField(source="speaker_id", read_only=True, allow_null=True)
    speaker_confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def validate(self, attrs):
        if not attrs.get("user_id") and not attrs.get("email"):
            raise serializers.ValidationError("Give a member's user id or a guest's email.")
        return attrs


class ConferenceActionItemSerializer(serializers.ModelSerializer):
    status = ItemStatusField(read_only=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    meeting = MeetingRefSerializer(read_only=True)
    series = serializers.IntegerField(source="meeting.series_id", read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    moment_url = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "text",
            "status",
            "assignee",
            "owner_name",
            "due_date",
            "due_text",
            "meeting",
            "series",
            "start",
            "overdue",
            "moment_url",
        ]
        read_only_fields = fields

    def get_overdue(self, item) -> bool:
        return is_overdue(item, self.context["today"])

    def get_moment_url(self, item) -> str:
        return moment_url(item)


class ConferenceDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField(help_text="The decision as quoted in the minutes.")
    speaker_name = serializers.CharField()
    member = UserSummarySerializer(allow_null=True)
    meeting = MeetingRefSerializer()
    start = serializers.FloatField(allow_null=True, help_text="Seconds into the recording.")
    moment_url = serializers.SerializerMethodField()
    superseded_by = serializers.IntegerField(source="superseded_by_id", allow_null=True)

    def get_moment_url(self, decision) -> str:
        return moment_url(decision)


class ScheduleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    organization = serializers.IntegerField(
        source="organization_id", required=False, help_text="On create: required when you belong to several.", **ID
    )
    title = serializers.CharField(max_length=200, required=False)
    held_at = BoundedDateTimeField(required=False)
    duration_minutes = serializers.IntegerField(required=False, min_value=1, max_value=1440)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    video_link = serializers.URLField(required=False, allow_blank=True, max_length=500)
    series = serializers.IntegerField(source="series_id", required=False, allow_null=True, **ID)
    visibility = serializers.CharField(read_only=True)
    agenda = AgendaItemSerializer(many=True, required=False, source="agenda_items.all")
    attendees = AttendeeSerializer(many=True, required=False, source="attendee_rows")
    carried_action_items = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()

    @extend_schema_field(ConferenceActionItemSerializer(many=True))
    def get_carried_action_items(self, meeting):
        user = self.context["request"].user
        items = carried_action_items(meeting, user)
        context = {**self.context, "today": local_today(user)}
        return ConferenceActionItemSerializer(items, many=True, context=context).data

    def get_ics_url(self, meeting) -> str:
        return reverse("conference:meeting_ics", args=[meeting.pk])


class ScheduleCreateSerializer(ScheduleSerializer):
    title = serializers.CharField(max_length=200)
    held_at = BoundedDateTimeField()
    occurrences = serializers.IntegerField(
        required=False,
        default=1,
        min_value=1,
        max_value=MAX_OCCURRENCES,
        write_only=True,
        help_text="With a repeating series: how many meetings to create at its interval.",
    )


def _schedule_data(meeting, request):
    meeting.attendee_rows = attendees_of(meeting)
    return ScheduleSerializer(meeting, context={"request": request}).data


def _split_attendees(rows):
    member_ids = [row["user_id"] for row in rows if row.get("user_id")]
    guests = [Guest(row["email"].lower(), row.get("name", "")) for row in rows if not row.get("user_id")]
    return member_ids, guests


def _series_in(organization, series_id):
    if series_id is None:
        return None
    series = Series.objects.filter(organization=organization, pk=series_id).first()
    if series is None:
        raise ServiceError("Choose a series of this organization.", "invalid_series")
    return series


def _query(request, serializer_class):
    """The validated query parameters (400 on bad ones)."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _organization_or_all(user, organization_id):
    """The organization a list is limited to (the user must belong to it), or None for all of theirs."""
    return get_membership(user, organization_id).organization if organization_id else None


def _organization(user, organization_id):
    if organization_id is not None:
        return get_membership(user, organization_id).organization
    memberships = list(memberships_for(user)[:2])
    if len(memberships) != 1:
        raise ServiceError("Say which organization (organization).", "invalid")
    return memberships[0].organization


# --- scheduling ------------------------------------------------------------------------------


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
            organization = _organization(request.user, v.get("organization_id"))
            member_ids, guests = _split_attendees(v.get("attendee_rows", []))
            created = schedule_meeting(
                organization,
                request.user,
                title=v["title"],
                held_at=v["held_at"],
                duration_minutes=v.get("duration_minutes", 60),
                location=v.get("location", ""),
                video_link=v.get("video_link", ""),
                series=_series_in(organization, v.get("series_id")),
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
                series=_series_in(meeting.organization, v["series_id"]) if "series_id" in v else ...,
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
                _organization(request.user, v.get("organization_id")),
                request.user,
                name=v["name"],
                recurrence=v.get("recurrence", Recurrence.WEEKLY),
                description=v.get("description", ""),
            )
        except ServiceError as exc:
            return error_response(exc)
        return Response(SeriesSerializer(series).data, status=status.HTTP_201_CREATED)


# --- calendar --------------------------------------------------------------------------------


class CalendarEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    start = serializers.DateTimeField(source="held_at")
    end = serializers.SerializerMethodField()
    location = serializers.CharField()
    video_link = serializers.CharField()
    series = serializers.IntegerField(source="series_id", allow_null=True)
    status = serializers.CharField()

    def get_end(self, meeting) -> datetime.datetime:
        end = meeting.held_at + datetime.timedelta(minutes=meeting.duration_minutes or 60)
        return serializers.DateTimeField().to_representation(end)


class CalendarQuerySerializer(serializers.Serializer):
    start = BoundedDateTimeField(help_text="From (inclusive).")
    end = BoundedDateTimeField(help_text="Until (exclusive); at most 100 days after start.")
    organization = serializers.IntegerField(required=False, **ID)


class CalendarView(APIView):
    @extend_schema(
        summary="Meetings between two instants, for calendar views",
        parameters=[CalendarQuerySerializer],
        responses=CalendarEventSerializer(many=True),
    )
    def get(self, request):
        v = _query(request, CalendarQuerySerializer)
        if not v["start"] < v["end"] <= v["start"] + datetime.timedelta(days=100):
            raise serializers.ValidationError({"end": "After start, and at most 100 days later."})
        organization = _organization_or_all(request.user, v.get("organization"))
        meetings = meetings_between(request.user, organization, v["start"], v["end"])
        return Response(CalendarEventSerializer(meetings, many=True).data)


class FeedSerializer(serializers.Serializer):
    url = serializers.CharField(allow_null=True, help_text="The secret address; null when turned off.")
    created_at = serializers.DateTimeField(allow_null=True)


def _feed_data(request, preference):
    url = (
        request.build_absolute_uri(reverse("conference:feed", args=[preference.feed_token]))
        if preference.feed_token
        else None
    )
    return {"url": url, "created_at": preference.feed_created_at}


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


class PreferenceSerializer(serializers.Serializer):
    recap_emails = serializers.BooleanField(required=False)
    timezone = serializers.CharField(required=False, max_length=64, help_text="An IANA name, e.g. Asia/Seoul.")


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


# --- speakers --------------------------------------------------------------------------------


class SpeakerMatchSerializer(serializers.Serializer):
    speaker = serializers.IntegerField(**ID)
    attendee = serializers.IntegerField(allow_null=True, **ID)


class SpeakerMatchesSerializer(serializers.Serializer):
    attendees = AttendeeSerializer(many=True, read_only=True)
    suggestions = SpeakerMatchSerializer(many=True, read_only=True, help_text="Guessed from the transcript.")
    confirmed = SpeakerMatchSerializer(many=True, read_only=True)


class SpeakerConfirmSerializer(serializers.Serializer):
    matches = SpeakerMatchSerializer(many=True)


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
            return error_response(exc)
        return Response(self._data(meeting))


# --- action items and decisions --------------------------------------------------------------


class ActionFilterSerializer(serializers.Serializer):
    assignee = serializers.CharField(required=False, help_text='"me", "none" or a user id.')
    status = serializers.CharField(required=False, help_text='open, in_progress, done, cancelled or "active".')
    due = serializers.ChoiceField(required=False, choices=["overdue", "week", "none"])
    meeting = serializers.IntegerField(required=False, **ID)
    series = serializers.IntegerField(required=False, **ID)
    q = serializers.CharField(required=False, max_length=200)
    organization = serializers.IntegerField(required=False, **ID)


class ActionItemListView(APIView):
    @extend_schema(
        summary="Action items across your meetings",
        parameters=[ActionFilterSerializer],
        responses=ConferenceActionItemSerializer(many=True),
    )
    def get(self, request):
        v = _query(request, ActionFilterSerializer)
        organization = _organization_or_all(request.user, v.pop("organization", None))
        items = filter_action_items(action_items_for(request.user, organization), request.user, **v)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(items, request, view=self)
        context = {"request": request, "today": local_today(request.user)}
        return paginator.get_paginated_response(ConferenceActionItemSerializer(page, many=True, context=context).data)


class ActionStatusSerializer(serializers.Serializer):
    status = ItemStatusField()


class ActionItemDetailView(APIView):
    def _item(self, request, item_id):
        return get_object_or_404(action_items_for(request.user), pk=item_id)

    def _data(self, request, item):
        return ConferenceActionItemSerializer(item, context={"today": local_today(request.user)}).data

    @extend_schema(summary="An action item", responses=ConferenceActionItemSerializer)
    def get(self, request, item_id):
        return Response(self._data(request, self._item(request, item_id)))

    @extend_schema(
        summary="Change an action item's status (assignee, meeting creator or admin)",
        request=ActionStatusSerializer,
        responses=ConferenceActionItemSerializer,
    )
    def patch(self, request, item_id):
        item = self._item(request, item_id)
        if not can_change_item(request.user, item):
            raise PermissionDenied("Only the assignee, the meeting's creator or an admin can change this.")
        data = ActionStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        set_item_status(item, data.validated_data["status"])
        return Response(self._data(request, item))


class DecisionFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=200, help_text="Words in the decision, speaker or meeting.")
    meeting = serializers.IntegerField(required=False, **ID)
    series = serializers.IntegerField(required=False, **ID)
    current = serializers.BooleanField(required=False, default=False, help_text="Leave out superseded decisions.")
    organization = serializers.IntegerField(required=False, **ID)


class DecisionListView(APIView):
    @extend_schema(
        summary="The decision log across your meetings",
        parameters=[DecisionFilterSerializer],
        responses=ConferenceDecisionSerializer(many=True),
    )
    def get(self, request):
        v = _query(request, DecisionFilterSerializer)
        organization = _organization_or_all(request.user, v.get("organization"))
        decisions = filter_decisions(
            decisions_for(request.user, organization),
            q=v.get("q", ""),
            meeting=v.get("meeting"),
            series=v.get("series"),
            include_superseded=not v["current"],
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(decisions, request, view=self)
        return paginator.get_paginated_response(ConferenceDecisionSerializer(page, many=True).data)


class SupersedeSerializer(serializers.Serializer):
    superseded_by = serializers.IntegerField(
        allow_null=True, help_text="The later decision; null: current again.", **ID
    )


class DecisionSupersedeView(APIView):
    @extend_schema(
        summary="Mark a decision as superseded by a later one (meeting creator or admin)",
        request=SupersedeSerializer,
        responses={200: ConferenceDecisionSerializer, 400: ErrorSerializer},
    )
    def post(self, request, decision_id):
        decision = get_object_or_404(decisions_for(request.user), pk=decision_id)
        _require_manage(request.user, decision.meeting)
        data = SupersedeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        later_id = data.validated_data["superseded_by"]
        try:
            if later_id:
                supersede(decision, get_object_or_404(decisions_for(request.user), pk=later_id))
            else:
                clear_supersede(decision)
        except ServiceError as exc:
            return error_response(exc)
        return Response(ConferenceDecisionSerializer(decision).data)


# --- sharing and recap -----------------------------------------------------------------------


@extend_schema_field({"type": "string", "description": "organization or selected."})
class VisibilityField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Visibility.choices, **kwargs)


class SharingSerializer(serializers.Serializer):
    visibility = VisibilityField()
    allowed_members = serializers.ListField(
        child=serializers.IntegerField(**ID),
        required=False,
        max_length=500,
        help_text="With visibility=selected: the members who may see it (admins and the creator always can).",
    )


class ShareLinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ShareLink
        fields = ["id", "url", "created_at", "expires_at", "revoked_at", "last_used_at", "is_active"]
        read_only_fields = fields

    def get_url(self, link) -> str:
        return self.context["request"].build_absolute_uri(reverse("conference:share_view", args=[link.token]))


class ShareLinkCreateSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=SHARE_MAX_DAYS, default=7)


class SharingView(APIView):
    def _data(self, meeting):
        return {
            "visibility": meeting.visibility,
            "allowed_members": list(meeting.allowed_members.values_list("pk", flat=True)),
        }

    @extend_schema(summary="Who can see a meeting (creator or admin)", responses=SharingSerializer)
    def get(self, request, pk):
        meeting = get_meeting_for(request.user, pk)
        _require_manage(request.user, meeting)
        return Response(self._data(meeting))

    @extend_schema(
        summary="Set who can see a meeting (creator or admin)",
        request=SharingSerializer,
        responses={200: SharingSerializer, 400: ErrorSerializer},
    )
    def put(self, request, pk):
        meeting = get_meeting_for(request.user, pk)
        _require_manage(request.user, meeting)
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
        meeting = get_meeting_for(request.user, pk)
        _require_manage(request.user, meeting)
        return Response(ShareLinkSerializer(meeting.share_links.all(), many=True, context={"request": request}).data)

    @extend_schema(
        summary="Create a read-only guest link with an expiry",
        request=ShareLinkCreateSerializer,
        responses={201: ShareLinkSerializer},
    )
    def post(self, request, pk):
        meeting = get_meeting_for(request.user, pk)
        _require_manage(request.user, meeting)
        data = ShareLinkCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = create_share_link(meeting, request.user, data.validated_data["days"])
        return Response(ShareLinkSerializer(link, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ShareLinkRevokeView(APIView):
    @extend_schema(summary="Revoke a guest link", request=None, responses=ShareLinkSerializer)
    def post(self, request, pk, link_id):
        meeting = get_meeting_for(request.user, pk)
        _require_manage(request.user, meeting)
        link = meeting.share_links.filter(pk=link_id).first()
        if link is None:
            raise Http404("No such link.")
        revoke_share_link(link, user=request.user)
        return Response(ShareLinkSerializer(link, context={"request": request}).data)


class RecapResultSerializer(serializers.Serializer):
    sent = serializers.IntegerField(help_text="How many emails went out.")
    sent_at = serializers.DateTimeField()


class RecapView(APIView):
    @extend_schema(
        summary="Email the recap (minutes and each attendee's action items) now",
        request=None,
        responses={200: RecapResultSerializer, 400: ErrorSerializer},
    )
    def post(self, request, pk):
        from meetings.conference import recap

        meeting = get_meeting_for(request.user, pk)
        _require_manage(request.user, meeting)
        try:
            count = recap.send_recap(meeting)
        except ServiceError as exc:
            return error_response(exc)
        return Response({"sent": count, "sent_at": timezone.now()})


# --- dashboard -------------------------------------------------------------------------------


class DashboardSerializer(serializers.Serializer):
    upcoming = CalendarEventSerializer(many=True)
    my_action_items = ConferenceActionItemSerializer(many=True)
    recently_processed = CalendarEventSerializer(many=True)
    processing_queue = JobSerializer(many=True)


class DashboardView(APIView):
    @extend_schema(
        summary="Upcoming meetings, your open action items, recently processed meetings, the processing queue",
        parameters=[
            OpenApiParameter("organization", int, required=False, description="Default: your only organization.")
        ],
        responses={200: DashboardSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        try:
            raw = request.query_params.get("organization")
            organization = _organization(request.user, int(raw) if raw and raw.isdigit() else None)
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


urlpatterns = [
    path("meetings/schedule/", ScheduleCreateView.as_view(), name="conference-schedule-create"),
    path("meetings/<int:pk>/schedule/", ScheduleView.as_view(), name="conference-schedule"),
    path("meetings/<int:pk>/speakers/", SpeakerMatchView.as_view(), name="conference-speakers"),
    path("meetings/<int:pk>/sharing/", SharingView.as_view(), name="conference-sharing"),
    path("meetings/<int:pk>/share-links/", ShareLinkListView.as_view(), name="conference-share-links"),
    path(
        "meetings/<int:pk>/share-links/<int:link_id>/revoke/",
        ShareLinkRevokeView.as_view(),
        name="conference-share-link-revoke",
    ),
    path("meetings/<int:pk>/recap/", RecapView.as_view(), name="conference-recap"),
    path("series/", SeriesListView.as_view(), name="conference-series"),
    path("calendar/", CalendarView.as_view(), name="conference-calendar"),
    path("calendar/feed/", FeedView.as_view(), name="conference-feed"),
    path("action-items/", ActionItemListView.as_view(), name="conference-action-items"),
    path("action-items/<int:item_id>/", ActionItemDetailView.as_view(), name="conference-action-item"),
    path("decisions/", DecisionListView.as_view(), name="conference-decisions"),
    path("decisions/<int:decision_id>/supersede/", DecisionSupersedeView.as_view(), name="conference-supersede"),
    path("dashboard/", DashboardView.as_view(), name="conference-dashboard"),
    path("me/preferences/", PreferenceView.as_view(), name="conference-preferences"),
]
