"""/api/v1/meetings/<pk>/minutes/: read the minutes (any version), regenerate, follow the job, edit the
Markdown, mark reviewed, export. Included by the project's API urls; access through meetings.access (a
meeting outside your organizations is a 404), rules in meetings.minutes.services and .configuration."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import get_membership
from meetings.access import get_meeting_for
from meetings.conference.items import set_item_status
from meetings.conference.permissions import require_item_change
from meetings.minutes import configuration, services
from meetings.models import ActionItem, Decision, ItemStatus, JobState
from meetings.serializers import JobSerializer
from meetings.transcript.api import AnyAcceptNegotiation
from nexochat.errors import ErrorSerializer, ServiceError, error_response
from nexochat.fields import WebLinkField

ERROR_STATUS = {
    "running": status.HTTP_409_CONFLICT,
    "no_transcript": status.HTTP_409_CONFLICT,
    "duplicate": status.HTTP_409_CONFLICT,  # a template of that name exists
}
VERSION = OpenApiParameter("version", int, OpenApiParameter.QUERY, required=False, description="Default: the latest.")


@extend_schema_field({"type": "string", "description": "One of: " + ", ".join(ItemStatus.values) + "."})
class ItemStatusField(serializers.ChoiceField):
    """Documented without an enum: drf-spectacular would give it the same component name as the
    meeting's "status" enum and warn (the schema is generated with --fail-on-warn)."""

    def __init__(self, **kwargs):
        super().__init__(choices=ItemStatus.choices, **kwargs)


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "text", "speaker", "speaker_name", "member", "segment", "start", "position"]


class ActionItemSerializer(serializers.ModelSerializer):
    status = ItemStatusField(read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "text",
            "owner_name",
            "assignee",
            "due_text",
            "due_date",
            "status",
            "speaker",
            "speaker_name",
            "segment",
            "start",
            "position",
        ]


class MinutesDataSerializer(serializers.Serializer):
    title = serializers.CharField()
    overview = serializers.CharField()
    key_points = serializers.ListField(child=serializers.CharField())
    decisions = serializers.ListField(
        child=serializers.DictField(), help_text="{text, speaker, speaker_id, line, start}; speaker: today's name"
    )
    action_items = serializers.ListField(
        child=serializers.DictField(),
        help_text="{text, owner, owner_speaker_id, due, due_date, speaker, speaker_id, line, start, done (latest "
        "version only)}; names are today's",
    )
    open_questions = serializers.ListField(child=serializers.CharField())
    topics = serializers.ListField(child=serializers.DictField(), help_text="{title, from_line, to_line, start, end}")
    language = serializers.CharField(
        required=False, allow_null=True, help_text="ko or en; null or absent where a version does not say."
    )
    extractive = serializers.BooleanField(
        required=False, allow_null=True, help_text="Written without an LLM (sentences picked); null after an edit."
    )
    speakers = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="{speaker id: name} of the meeting's speakers"
    )


class MinutesSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    latest = serializers.BooleanField()
    provider = serializers.CharField()
    model = serializers.CharField()
    template = serializers.CharField()
    language = serializers.CharField()
    is_extractive = serializers.BooleanField(help_text="True: sentences picked from the transcript, no language model.")
    data = MinutesDataSerializer()
    markdown = serializers.CharField(
        help_text="`data` as Markdown (what the Markdown export holds); PATCH an edited copy to add a version."
    )
    edited_at = serializers.DateTimeField(allow_null=True)
    edited_from = serializers.IntegerField(allow_null=True, help_text="The version this one was edited from.")
    reviewed_at = serializers.DateTimeField(allow_null=True)
    reviewed_by = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    decisions = DecisionSerializer(many=True, help_text="Rows of the latest version only; empty for older ones.")
    action_items = ActionItemSerializer(many=True, help_text="Rows of the latest version only; empty for older ones.")


class MinutesVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    provider = serializers.CharField()
    model = serializers.CharField()
    template = serializers.CharField()
    is_extractive = serializers.BooleanField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class GenerateSerializer(serializers.Serializer):
    template = serializers.CharField(required=False, allow_blank=True, help_text="default, report, or org:<id>.")
    provider = serializers.ChoiceField(
        choices=[("", "")] + [(p, p) for p in configuration.PROVIDER_NAMES], required=False, allow_blank=True
    )


class MarkdownSerializer(serializers.Serializer):
    markdown = serializers.CharField(trim_whitespace=False, max_length=services.MAX_MARKDOWN)


class ReviewSerializer(serializers.Serializer):
    reviewed = serializers.BooleanField(default=True)


class ActionItemUpdateSerializer(serializers.Serializer):
    status = ItemStatusField()


class MinutesJobSerializer(serializers.Serializer):
    job = JobSerializer(allow_null=True)
    partial_text = serializers.CharField(help_text="What the running job has written so far.")
    message = serializers.CharField(
        help_text="A failed job explained for the user, in their language; empty otherwise."
    )


def minutes_data(minutes, latest):
    meeting = minutes.meeting
    return {
        "version": minutes.version,
        "latest": latest,
        "provider": minutes.provider,
        "model": minutes.model,
        "template": minutes.template,
        "language": minutes.language,
        "is_extractive": minutes.is_extractive,
        "data": services.presented(minutes),
        "markdown": services.markdown_of(minutes),
        "edited_at": minutes.edited_at,
        "edited_from": minutes.edited_from,
        "reviewed_at": minutes.reviewed_at,
        "reviewed_by": minutes.reviewed_by_id,
        "created_at": minutes.created_at,
        "decisions": DecisionSerializer(services.decisions_of(meeting), many=True).data if latest else [],
        "action_items": ActionItemSerializer(services.action_items_of(meeting), many=True).data if latest else [],
    }


class MinutesMixin:
    def meeting(self, pk):
        return get_meeting_for(self.request.user, pk)

    def version(self, meeting):
        raw = self.request.query_params.get("version")
        if raw in (None, ""):
            minutes = services.current_minutes(meeting)
        else:
            try:
                minutes = services.get_version(meeting, int(raw))
            except ValueError:
                minutes = None
        if minutes is None:
            raise NotFound("No minutes (or no such version).")
        return minutes

    def respond(self, minutes):
        current = services.current_minutes(minutes.meeting)
        return Response(minutes_data(minutes, current is not None and current.pk == minutes.pk))


ERRORS = {
    400: ErrorSerializer,
    409: OpenApiResponse(ErrorSerializer, description="No transcript, or running."),
}


class MinutesView(MinutesMixin, APIView):
    @extend_schema(
        summary="A meeting's minutes (the latest version unless ?version=)",
        parameters=[VERSION],
        responses={200: MinutesSerializer, 404: OpenApiResponse(description="No minutes yet.")},
    )
    def get(self, request, pk):
        return self.respond(self.version(self.meeting(pk)))

    @extend_schema(
        summary="Edit the minutes: send their Markdown (GET's `markdown`, changed); it is read back into the "
        "structure and saved as a new version (the edited one is kept); the answer is the new version",
        parameters=[VERSION],
        request=MarkdownSerializer,
        responses={200: MinutesSerializer, 400: ErrorSerializer},
    )
    def patch(self, request, pk):
        minutes = self.version(self.meeting(pk))
        body = MarkdownSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "markdown" not in body.validated_data:
            return self.respond(minutes)  # nothing to change
        try:
            edited = services.edit_minutes(minutes, body.validated_data["markdown"], request.user)
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return self.respond(edited)


class MinutesVersionsView(MinutesMixin, APIView):
    @extend_schema(summary="All versions of the minutes, newest first", responses=MinutesVersionSerializer(many=True))
    def get(self, request, pk):
        versions = services.versions_of(self.meeting(pk))
        return Response(MinutesVersionSerializer(versions, many=True).data)


class MinutesGenerateView(MinutesMixin, APIView):
    @extend_schema(
        summary="Generate the minutes again (a new version); queues a job",
        request=GenerateSerializer,
        responses={202: JobSerializer, **ERRORS},
    )
    def post(self, request, pk):
        meeting = self.meeting(pk)
        body = GenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            job = services.queue_minutes(meeting, request.user, **body.validated_data)
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class MinutesJobView(MinutesMixin, APIView):
    @extend_schema(summary="The latest minutes job and the text it has streamed so far", responses=MinutesJobSerializer)
    def get(self, request, pk):
        meeting = self.meeting(pk)
        job = services.latest_minutes_job(meeting)
        message = ""
        if job is not None and job.state == JobState.FAILED:
            admin = get_membership(request.user, meeting.organization_id).is_admin
            has_minutes = services.current_minutes(meeting) is not None
            message = services.failure_message(job, has_minutes=has_minutes, admin=admin)
        data = {"job": JobSerializer(job).data if job else None, "partial_text": services.draft_text(job)}
        return Response({**data, "message": message})


class MinutesReviewView(MinutesMixin, APIView):
    @extend_schema(
        summary="Mark the minutes reviewed (or not)",
        parameters=[VERSION],
        request=ReviewSerializer,
        responses=MinutesSerializer,
    )
    def post(self, request, pk):
        minutes = self.version(self.meeting(pk))
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.set_reviewed(minutes, request.user, body.validated_data["reviewed"])
        return self.respond(minutes)


class MinutesExportView(MinutesMixin, APIView):
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        summary="Download the minutes as Markdown or DOCX",
        parameters=[VERSION, OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(services.EXPORT_FORMATS))],
        responses={
            (200, media.split(";")[0]): OpenApiTypes.BINARY for media, _label in services.EXPORT_FORMATS.values()
        },
    )
    def get(self, request, pk, fmt):
        minutes = self.version(self.meeting(pk))
        try:
            export = services.export_minutes(minutes, fmt)
        except ServiceError:
            raise NotFound("No such export format.") from None
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = export.content_disposition()
        return response


class ActionItemView(MinutesMixin, APIView):
    @extend_schema(
        summary="Change an action item's status (its assignee, the meeting's creator or an admin)",
        request=ActionItemUpdateSerializer,
        responses=ActionItemSerializer,
    )
    def patch(self, request, pk, item_id):
        meeting = self.meeting(pk)
        item = services.action_items_of(meeting).filter(pk=item_id).first()
        if item is None:
            raise NotFound("No such action item.")
        require_item_change(request.user, item)
        body = ActionItemUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        set_item_status(item, body.validated_data["status"])
        return Response(ActionItemSerializer(item).data)


# --- organization settings: /api/v1/organizations/<org_id>/minutes-settings/ ---------------------


class AISettingsSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=[("", "")] + [(p, p) for p in configuration.PROVIDER_NAMES],
        required=False,
        allow_blank=True,
        help_text="Empty: the server's LLM_PROVIDER.",
    )
    model = serializers.CharField(required=False, allow_blank=True, max_length=200)
    base_url = WebLinkField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="http(s) address; internal ones only where the server allows them (LLM_ALLOWED_HOSTS).",
    )
    api_key = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=500, help_text="Write-only; blank keeps it."
    )
    apigw_api_key = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=500)
    clear_api_key = serializers.BooleanField(required=False, default=False, write_only=True)
    context_window = serializers.IntegerField(required=False, allow_null=True, min_value=512, max_value=10_000_000)
    default_template = serializers.CharField(required=False, default="default", max_length=120)
    has_api_key = serializers.BooleanField(read_only=True, help_text="Whether a key is stored (it is never returned).")


class TemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True, help_text="Pass as `template` when generating.")
    name = serializers.CharField(max_length=100)
    prompt = serializers.CharField(max_length=configuration.MAX_PROMPT)


class OrganizationAdminMixin:
    def organization(self, org_id, *, admin=False):
        from accounts.access import get_membership, require_admin

        membership = get_membership(self.request.user, org_id)
        if admin:
            require_admin(membership)
        return membership.organization


def _settings_data(organization):
    config = configuration.ai_settings(organization)
    if config is None:
        return {
            "provider": "",
            "model": "",
            "base_url": "",
            "context_window": None,
            "default_template": "default",
            "has_api_key": False,
        }
    return AISettingsSerializer(config).data


class AISettingsView(OrganizationAdminMixin, APIView):
    @extend_schema(
        summary="The organization's minutes provider settings (owners and admins)", responses=AISettingsSerializer
    )
    def get(self, request, org_id):
        return Response(_settings_data(self.organization(org_id, admin=True)))

    @extend_schema(
        summary="Change the organization's minutes provider settings (owners and admins)",
        request=AISettingsSerializer,
        responses={200: AISettingsSerializer, 400: ErrorSerializer},
    )
    def put(self, request, org_id):
        organization = self.organization(org_id, admin=True)
        body = AISettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            configuration.update_ai_settings(organization, request.user, **body.validated_data)
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(_settings_data(organization))


class TemplateListView(OrganizationAdminMixin, APIView):
    @extend_schema(summary="The organization's own minutes templates", responses=TemplateSerializer(many=True))
    def get(self, request, org_id):
        organization = self.organization(org_id)
        return Response(TemplateSerializer(organization.minutes_templates.all(), many=True).data)

    @extend_schema(
        summary="Add a minutes template (owners and admins)",
        request=TemplateSerializer,
        responses={201: TemplateSerializer, 400: ErrorSerializer},
    )
    def post(self, request, org_id):
        organization = self.organization(org_id, admin=True)
        body = TemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            template = configuration.save_template(organization, **body.validated_data)
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateDetailView(OrganizationAdminMixin, APIView):
    def template(self, organization, template_id):
        template = organization.minutes_templates.filter(pk=template_id).first()
        if template is None:
            raise NotFound("No such template.")
        return template

    @extend_schema(
        summary="Change a minutes template (owners and admins)",
        request=TemplateSerializer,
        responses={200: TemplateSerializer, 400: ErrorSerializer},
    )
    def put(self, request, org_id, template_id):
        organization = self.organization(org_id, admin=True)
        template = self.template(organization, template_id)
        body = TemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            configuration.save_template(organization, template=template, **body.validated_data)
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(TemplateSerializer(template).data)

    @extend_schema(summary="Delete a minutes template (owners and admins)", responses={204: None})
    def delete(self, request, org_id, template_id):
        organization = self.organization(org_id, admin=True)
        configuration.delete_template(self.template(organization, template_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
