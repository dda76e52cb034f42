"""API representations of meetings, recordings and jobs, and the validation of what clients send."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound

from accounts.access import memberships_for
from accounts.models import User
from accounts.serializers import UserSummarySerializer
from meetings.conference.attendees import parse_guests
from nexochat.errors import ServiceError

from . import services
from .models import Job, Meeting, MeetingStatus, Recording

MAX_TAGS = 30
MAX_PARTICIPANTS = 500
MAX_DESCRIPTION = 50_000


# Years 1900-2999 (BoundedDateTimeField), stated to API clients as a pattern next to the format.
YEARS = "^(19[0-9]{2}|2[0-9]{3})-"


class Conflict(APIException):
    """Refused because of the object's own state (409)."""

    status_code = 409
    default_code = "conflict"


@extend_schema_field({"type": "string", "format": "date-time", "pattern": YEARS})
class BoundedDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, limited to years a meeting can have: dates at the calendar's edge
    would otherwise overflow while converting time zones (a 500 instead of a 400)."""

    default_error_messages = {"out_of_range": _("Enter a date between the years 1900 and 2999.")}
    min_year, max_year = 1900, 2999

    def to_internal_value(self, value):
        try:
            result = super().to_internal_value(value)
            result.astimezone(datetime.UTC)
        except OverflowError:
            self.fail("out_of_range")
        if not self.min_year <= result.year <= self.max_year:
            self.fail("out_of_range")
        return result


class TagNamesField(serializers.ListField):
    """Tags as a list of names; unknown names are created in the meeting's organization."""

    child = serializers.CharField(max_length=50)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_TAGS)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance.tags.all()

    def to_representation(self, data):
        return [tag.name for tag in data]

    def to_internal_value(self, data):
        names = super().to_internal_value(data)
        return list(dict.fromkeys(names))


class ParticipantIdsField(serializers.ListField):
    """Participants as a list of user ids; each must be a member of the meeting's organization."""

    child = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_PARTICIPANTS)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance.participants.all()

    def to_representation(self, data):
        return [user.pk for user in data]

    def to_internal_value(self, data):
        return list(dict.fromkeys(super().to_internal_value(data)))


class RecordingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recording
        fields = ["id", "original_name", "content_type", "size", "duration", "sha256", "media_info", "created_at"]
        read_only_fields = fields


class RecordingSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Recording
        fields = ["id", "original_name", "content_type", "size", "duration", "created_at"]
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer):
    duration = serializers.FloatField(read_only=True, allow_null=True, help_text="Seconds from start to finish.")
    summary = serializers.JSONField(
        read_only=True,
        help_text="For jobs that write a transcript: speech_seconds, transcribed_seconds, gap_seconds, gaps, "
        "coverage (transcribed / detected speech), low_confidence_segments, level_gain_db.",
    )

    failure_code = serializers.CharField(
        read_only=True,
        help_text="Why a minutes job failed, for clients to explain in their own words: not_configured, auth, "
        "rate_limited, unavailable, invalid_output, too_long; empty otherwise. `reason` is the operator's text.",
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "meeting",
            "kind",
            "state",
            "stage",
            "percent",
            "reason",
            "failure_code",
            "attempts",
            "timings",
            "summary",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
            "duration",
        ]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(
        source="organization_id",
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="One of your organizations. Required on create when you belong to several; cannot change.",
    )
    held_at = BoundedDateTimeField(required=False, help_text="When the meeting took place; defaults to now.")
    tags = TagNamesField(required=False)
    participants = ParticipantIdsField(required=False)
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    recording = RecordingSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organization",
            "title",
            "held_at",
            "language",
            "description",
            "tags",
            "participants",
            "external_participants",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "recording",
        ]
        read_only_fields = ["id", "status", "created_by", "created_at", "updated_at", "recording"]
        extra_kwargs = {
            "description": {"max_length": MAX_DESCRIPTION},
            "external_participants": {
                "help_text": "Guests, comma-separated: a name, `name <email>` or an email; those with an email "
                "get the recap. Read back as their names."
            },
        }

    def _user(self):
        return self.context["request"].user

    def _organization_for(self, organization_id):
        if self.instance is not None:
            if organization_id is not None and organization_id != self.instance.organization_id:
                raise Conflict(_("A meeting cannot be moved to another organization."), "organization_fixed")
            return self.instance.organization
        memberships = memberships_for(self._user())
        if organization_id is not None:
            membership = memberships.filter(organization_id=organization_id).first()
            if membership is None:  # another organization's id is reported missing, as everywhere
                raise NotFound(_("No such organization."))
            return membership.organization
        candidates = list(memberships[:2])
        if not candidates:
            raise serializers.ValidationError({"organization": _("You are not a member of any organization.")})
        if len(candidates) > 1:
            raise serializers.ValidationError(
                {"organization": _("You belong to several organizations: say which one this meeting is for.")}
            )
        return candidates[0].organization

    def validate_external_participants(self, value):
        try:
            parse_guests(value)
        except ServiceError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate(self, attrs):
        organization = self._organization_for(attrs.pop("organization_id", None))
        attrs["organization"] = organization
        participant_ids = attrs.get("participants")
        if participant_ids:
            members = set(
                User.objects.filter(pk__in=participant_ids, memberships__organization=organization).values_list(
                    "pk", flat=True
                )
            )
            unknown = [pk for pk in participant_ids if pk not in members]
            if unknown:  # ids that name nobody the caller may see: missing, as everywhere
                raise NotFound(
                    _("These users are not members of the organization: %(ids)s")
                    % {"ids": ", ".join(str(pk) for pk in unknown)},
                    "not_member",
                )
        return attrs

    def create(self, validated_data):
        return services.create_meeting(
            validated_data["organization"],
            self._user(),
            title=validated_data["title"],
            held_at=validated_data.get("held_at") or timezone.now(),
            language=validated_data.get("language", Meeting._meta.get_field("language").default),
            description=validated_data.get("description", ""),
            tags=validated_data.get("tags", ()),
            participants=validated_data.get("participants", ()),
            external_participants=validated_data.get("external_participants", ""),
        )

    def update(self, instance, validated_data):
        # A partial update keeps what the client did not send.
        tags = validated_data.get("tags")
        if tags is None:
            tags = [tag.name for tag in instance.tags.all()]
        participants = validated_data.get("participants")
        if participants is None:
            participants = [user.pk for user in instance.participants.all()]
        return services.update_meeting(
            instance,
            title=validated_data.get("title", instance.title),
            held_at=validated_data.get("held_at", instance.held_at),
            language=validated_data.get("language", instance.language),
            description=validated_data.get("description", instance.description),
            tags=tags,
            participants=participants,
            external_participants=validated_data.get("external_participants"),  # not sent: guests kept
        )


class MeetingDetailSerializer(MeetingSerializer):
    recording = RecordingSerializer(read_only=True, allow_null=True)
    latest_job = serializers.SerializerMethodField()
    search_index_out_of_date = serializers.SerializerMethodField(
        help_text="True when writing this meeting to the external search index failed: search may miss its latest text."
    )

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "latest_job", "search_index_out_of_date"]

    @extend_schema_field(serializers.BooleanField())
    def get_search_index_out_of_date(self, meeting):
        from ai_pipeline.models import OutOfDateIndex

        return OutOfDateIndex.objects.filter(meeting_id=meeting.pk).exists()

    @extend_schema_field(JobSerializer(allow_null=True))
    def get_latest_job(self, meeting):
        job = meeting.jobs.order_by("-created_at", "-id").first()
        return JobSerializer(job).data if job else None


@extend_schema_field(
    {
        "anyOf": [
            {"type": "string", "format": "date", "pattern": YEARS},
            {"type": "string", "format": "date-time", "pattern": YEARS},
        ]
    }
)
class DateOrDateTimeField(serializers.Field):
    """Accepts 2026-03-01 or 2026-03-01T09:30:00+09:00; a bare date means that day in the server's time zone."""

    default_error_messages = {"invalid": _("Enter a date (YYYY-MM-DD) or a date and time (ISO 8601).")}

    def __init__(self, *, end_of_day=False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            day = datetime.date.fromisoformat(data)
        except ValueError:
            return BoundedDateTimeField().run_validation(data)
        if not BoundedDateTimeField.min_year <= day.year <= BoundedDateTimeField.max_year:
            self.fail("invalid")
        if self.end_of_day:
            day += datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    def to_representation(self, value):
        return value.isoformat()


class MeetingFilterSerializer(serializers.Serializer):
    """Query parameters of the meeting list."""

    q = serializers.CharField(required=False, max_length=200, help_text="Words in the title or description.")
    tag = serializers.CharField(required=False, max_length=50, help_text="A tag name.")
    status = serializers.ChoiceField(choices=MeetingStatus.choices, required=False)
    held_after = DateOrDateTimeField(required=False, help_text="Held at or after (a date means from its start).")
    held_before = DateOrDateTimeField(
        required=False, end_of_day=True, help_text="Held before (a date includes that whole day)."
    )
    organization = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only this one of your organizations."
    )


class RecordingUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Audio or video; the content is probed, the name does not matter.")


class RecordingUploadResultSerializer(serializers.Serializer):
    recording = RecordingSerializer()
    job = JobSerializer()
