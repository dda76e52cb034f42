"""API bodies and query parameters of conference management. Their class names are the OpenAPI
component names, so renaming one changes the published schema."""

import datetime

from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import UserSummarySerializer
from accounts.timezones import valid_zone_names
from meetings.conference.calendars import ends_at, local_today
from meetings.conference.continuity import since_last_time
from meetings.conference.items import carried_action_items, is_overdue, moment_url
from meetings.conference.scheduling import MAX_OCCURRENCES
from meetings.conference.sharing import SHARE_MAX_DAYS, share_url
from meetings.minutes.api import ItemStatusField
from meetings.models import ActionItem, Series, ShareLink, Visibility
from meetings.serializers import BoundedDateTimeField, JobSerializer
from nexochat.fields import WebLinkField
from nexochat.ids import ID_RANGE
from nexochat.validators import single_line

ID = ID_RANGE


class MeetingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    held_at = serializers.DateTimeField()


# --- scheduling ------------------------------------------------------------------------------


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
    title = serializers.CharField(max_length=300, validators=[single_line])
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1440)


class AttendeeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    user = serializers.IntegerField(
        source="user_id", required=False, allow_null=True, help_text="A member's user id.", **ID
    )
    email = serializers.EmailField(
        required=False, allow_blank=True, max_length=254, help_text="A guest's email: the recap goes there."
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=150, help_text="A guest's name (with or without an email)."
    )
    display_name = serializers.CharField(read_only=True)
    is_guest = serializers.BooleanField(read_only=True)
    speaker = serializers.IntegerField(source="speaker_id", read_only=True, allow_null=True)
    speaker_confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def validate(self, attrs):
        if not attrs.get("user_id") and not attrs.get("email") and not (attrs.get("name") or "").strip():
            raise serializers.ValidationError("Give a member's user id, or a guest's email or name.")
        return attrs


class AttendeeSchema(OpenApiSerializerExtension):
    """States AttendeeSerializer.validate in the schema: a member's id, or a guest's email or name."""

    target_class = AttendeeSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["anyOf"] = [
                {"required": ["user"], "properties": {"user": {"type": "integer"}}},
                {"required": ["email"], "properties": {"email": {"type": "string", "minLength": 1}}},
                {"required": ["name"], "properties": {"name": {"type": "string", "pattern": r"\S"}}},
            ]
        return schema


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


class SinceItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    text = serializers.CharField(source="item.text")
    state = serializers.ChoiceField(choices=["done", "overdue", "open", "cancelled"], help_text="As it stands now.")
    owner = serializers.CharField(allow_blank=True)
    due_date = serializers.DateField(source="item.due_date", allow_null=True)


class SinceDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    text = serializers.CharField()
    meeting = serializers.IntegerField(source="meeting_id")


class SinceReplacedSerializer(serializers.Serializer):
    earlier = SinceDecisionSerializer()
    later = SinceDecisionSerializer()


class SinceTopicSerializer(serializers.Serializer):
    earlier = serializers.CharField(help_text="The topic's title last time.")
    later = serializers.CharField(help_text="Its title in this meeting.")


class SinceQuestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    outcome = serializers.ChoiceField(
        source="status",
        choices=["answered", "still_open", "not_discussed", "unknown"],
        help_text="unknown: this meeting has no minutes yet.",
    )
    by = serializers.CharField(allow_blank=True, help_text="The decision that answers it, or the question again.")


class SinceLastTimeSerializer(serializers.Serializer):
    """What changed since the series' previous meeting, from the structured minutes (no language model)."""

    previous_meeting = serializers.IntegerField(source="previous.pk")
    previous_title = serializers.CharField(source="previous.title")
    previous_held_at = serializers.DateTimeField(source="previous.held_at")
    action_items = SinceItemSerializer(many=True, help_text="The previous meeting's action items, as they are now.")
    replaced_decisions = SinceReplacedSerializer(many=True)
    topics_returned = SinceTopicSerializer(many=True)
    topics_dropped = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="null while this meeting has no minutes."
    )
    open_questions = SinceQuestionSerializer(many=True)


class ScheduleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    organization = serializers.IntegerField(
        source="organization_id", required=False, help_text="On create: required when you belong to several.", **ID
    )
    title = serializers.CharField(max_length=200, required=False, validators=[single_line])
    held_at = BoundedDateTimeField(required=False)
    duration_minutes = serializers.IntegerField(required=False, min_value=1, max_value=1440)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    video_link = WebLinkField(required=False, allow_blank=True, max_length=500)
    series = serializers.IntegerField(source="series_id", required=False, allow_null=True, **ID)
    visibility = serializers.CharField(read_only=True)
    agenda = AgendaItemSerializer(many=True, required=False, source="agenda_items.all")
    attendees = AttendeeSerializer(many=True, required=False, source="attendee_rows")
    carried_action_items = serializers.SerializerMethodField()
    since_last_time = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()

    @extend_schema_field(ConferenceActionItemSerializer(many=True))
    def get_carried_action_items(self, meeting):
        user = self.context["request"].user
        context = {**self.context, "today": local_today(user)}
        return ConferenceActionItemSerializer(carried_action_items(meeting, user), many=True, context=context).data

    @extend_schema_field(SinceLastTimeSerializer(allow_null=True))
    def get_since_last_time(self, meeting):
        user = self.context["request"].user
        since = since_last_time(meeting, user, local_today(user))
        if since is None:
            return None
        pairs = {
            "replaced_decisions": [{"earlier": e, "later": later} for e, later in since.replaced],
            "topics_returned": [{"earlier": e, "later": later} for e, later in since.topics_returned],
        }
        return SinceLastTimeSerializer({**vars(since), **pairs}).data

    def get_ics_url(self, meeting) -> str:
        return reverse("conference:meeting_ics", args=[meeting.pk])


class ScheduleCreateSerializer(ScheduleSerializer):
    title = serializers.CharField(max_length=200, validators=[single_line])
    held_at = BoundedDateTimeField()
    occurrences = serializers.IntegerField(
        required=False,
        default=1,
        min_value=1,
        max_value=MAX_OCCURRENCES,
        write_only=True,
        help_text="With a repeating series: how many meetings to create at its interval.",
    )


class SpeakerMatchSerializer(serializers.Serializer):
    speaker = serializers.IntegerField(**ID)
    attendee = serializers.IntegerField(allow_null=True, **ID)


class SpeakerMatchesSerializer(serializers.Serializer):
    attendees = AttendeeSerializer(many=True, read_only=True)
    suggestions = SpeakerMatchSerializer(many=True, read_only=True, help_text="Guessed from the transcript.")
    confirmed = SpeakerMatchSerializer(many=True, read_only=True)


class SpeakerConfirmSerializer(serializers.Serializer):
    matches = SpeakerMatchSerializer(many=True)


# --- calendar, feed, preferences and dashboard -----------------------------------------------


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
        return serializers.DateTimeField().to_representation(ends_at(meeting))


class CalendarQuerySerializer(serializers.Serializer):
    start = BoundedDateTimeField(help_text="From (inclusive).")
    end = BoundedDateTimeField(help_text="Until (exclusive); at most 100 days after start.")
    organization = serializers.IntegerField(required=False, **ID)


class FeedSerializer(serializers.Serializer):
    url = serializers.CharField(allow_null=True, help_text="The secret address; null when turned off.")
    created_at = serializers.DateTimeField(allow_null=True)


@extend_schema_field({"type": "string", "enum": sorted(valid_zone_names())})
class TimeZoneNameField(serializers.CharField):
    """A time zone's name; an unknown one is refused by the service (code invalid_timezone)."""


class PreferenceSerializer(serializers.Serializer):
    recap_emails = serializers.BooleanField(required=False)
    timezone = TimeZoneNameField(required=False, help_text="An IANA name, e.g. Asia/Seoul.")


class DashboardSerializer(serializers.Serializer):
    upcoming = CalendarEventSerializer(many=True)
    my_action_items = ConferenceActionItemSerializer(many=True)
    recently_processed = CalendarEventSerializer(many=True)
    processing_queue = JobSerializer(many=True)


# --- action items and decisions --------------------------------------------------------------


class ActionFilterSerializer(serializers.Serializer):
    assignee = serializers.CharField(required=False, help_text='"me", "none" or a user id.')
    status = serializers.CharField(required=False, help_text='open, in_progress, done, cancelled or "active".')
    due = serializers.ChoiceField(required=False, choices=["overdue", "week", "none"])
    meeting = serializers.IntegerField(required=False, **ID)
    series = serializers.IntegerField(required=False, **ID)
    q = serializers.CharField(required=False, max_length=200)
    organization = serializers.IntegerField(required=False, **ID)


class ActionStatusSerializer(serializers.Serializer):
    status = ItemStatusField()


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


class DecisionFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=200, help_text="Words in the decision, speaker or meeting.")
    meeting = serializers.IntegerField(required=False, **ID)
    series = serializers.IntegerField(required=False, **ID)
    current = serializers.BooleanField(required=False, default=False, help_text="Leave out superseded decisions.")
    organization = serializers.IntegerField(required=False, **ID)


class SupersedeSerializer(serializers.Serializer):
    superseded_by = serializers.IntegerField(
        allow_null=True, help_text="The later decision; null: current again.", **ID
    )


# --- sharing and recap -----------------------------------------------------------------------


class SharingSerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(choices=Visibility.choices, help_text="organization or selected.")
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
        return share_url(self.context["request"], link)


class ShareLinkCreateSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=SHARE_MAX_DAYS, default=7)


class RecapRecipientSerializer(serializers.Serializer):
    attendee = serializers.IntegerField(source="pk", help_text="The attendee's id.")
    name = serializers.CharField(source="display_name")
    email = serializers.CharField(source="address", allow_blank=True)
    is_guest = serializers.BooleanField()


class RecapPlanSerializer(serializers.Serializer):
    recipients = RecapRecipientSerializer(many=True, help_text="Who gets the recap when it is sent now.")
    opted_out = RecapRecipientSerializer(many=True, help_text="Members who turned recap emails off.")
    no_address = RecapRecipientSerializer(many=True, help_text="Guests known by name only: add an email to send.")
    has_minutes = serializers.BooleanField(help_text="False: there is nothing to send yet (sending is a 409).")
    sent_at = serializers.DateTimeField(allow_null=True, help_text="When a recap last went out; null: never.")


class RecapResultSerializer(serializers.Serializer):
    sent = serializers.IntegerField(help_text="How many emails went out.")
    sent_at = serializers.DateTimeField()
    recipients = RecapRecipientSerializer(many=True, help_text="Who the recap was sent to.")


class RecapSettingsSerializer(serializers.Serializer):
    recap_after_minutes = serializers.BooleanField(
        help_text="Email attendees a recap by itself when a meeting's first minutes are ready. Off by default."
    )
