from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meetings.minutes import configuration as minutes_configuration
from meetings.processing import services as processing_services
from nexochat.errors import ServiceError

from .models import Job, JobState, Meeting, OrganizationAISettings, Recording, Tag, VoiceQuestion, VoiceRecording


class RecordingInline(admin.StackedInline):
    model = Recording
    extra = 0
    readonly_fields = ("original_name", "content_type", "size", "duration", "sha256", "media_info", "created_at")
    fields = ("file", *readonly_fields)


class JobInline(admin.TabularInline):
    model = Job
    extra = 0
    can_delete = False
    fields = ("kind", "state", "stage", "percent", "attempts", "reason", "created_at", "finished_at")
    readonly_fields = fields
    show_change_link = True


@admin.action(description=_("Reprocess the recording"))
def reprocess(modeladmin, request, queryset):
    queued = 0
    for meeting in queryset.select_related("_recording"):
        if meeting.recording is not None:
            processing_services.queue_processing(meeting, kind="process")
            queued += 1
    modeladmin.message_user(
        request, ngettext("%d meeting queued.", "%d meetings queued.", queued) % queued, messages.SUCCESS
    )


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "held_at", "language", "status", "duration", "created_by")
    list_filter = ("status", "language", "organization", ("held_at", admin.DateFieldListFilter))
    search_fields = ("title", "description", "organization__name", "created_by__email")
    date_hierarchy = "held_at"
    list_select_related = ("organization", "created_by", "_recording")
    autocomplete_fields = ("tags", "participants")
    readonly_fields = ("status", "created_at", "updated_at")
    inlines = (RecordingInline, JobInline)
    actions = (reprocess,)

    @admin.display(description=_("duration (s)"))
    def duration(self, meeting):
        return round(meeting.recording.duration or 0) if meeting.recording else "—"


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ("original_name", "meeting", "content_type", "size", "duration", "created_at")
    search_fields = ("original_name", "sha256", "meeting__title")
    list_filter = ("content_type",)
    list_select_related = ("meeting",)
    readonly_fields = ("sha256", "size", "duration", "media_info", "created_at")
    raw_id_fields = ("meeting", "uploaded_by")


@admin.action(description=_("Retry the selected jobs"))
def retry_jobs(modeladmin, request, queryset):
    retried = 0
    for job in queryset.exclude(state=JobState.RUNNING).select_related("meeting"):
        processing_services.retry_job(job)
        retried += 1
    modeladmin.message_user(request, ngettext("%d job retried.", "%d jobs retried.", retried) % retried)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "meeting", "kind", "state", "stage", "percent", "attempts", "created_at", "run_seconds")
    list_filter = ("state", "kind", "stage")
    search_fields = ("meeting__title", "reason", "task_id")
    list_select_related = ("meeting",)
    readonly_fields = (
        "meeting", "kind", "state", "stage", "percent", "reason", "failure_code", "options", "attempts", "task_id",
        "timings", "summary", "log", "created_at", "started_at", "finished_at",
    )  # fmt: skip
    actions = (retry_jobs,)

    @admin.display(description=_("run time (s)"))
    def run_seconds(self, job):
        return round(job.duration, 1) if job.duration is not None else "—"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "meeting_count")
    search_fields = ("name",)
    list_filter = ("organization",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meeting_count=Count("meetings"))

    @admin.display(description=_("meetings"), ordering="meeting_count")
    def meeting_count(self, tag):
        return tag.meeting_count


class OrganizationAISettingsForm(forms.ModelForm):
    def clean_base_url(self):
        """The settings page's rule: no internal address unless LLM_ALLOWED_HOSTS lists it."""
        try:
            return minutes_configuration.clean_base_url(self.cleaned_data["base_url"])
        except ServiceError as exc:
            raise forms.ValidationError(str(exc), code=exc.code) from None


@admin.register(OrganizationAISettings)
class OrganizationAISettingsAdmin(admin.ModelAdmin):
    form = OrganizationAISettingsForm
    list_display = ("organization", "provider", "model", "stt_engine", "stt_model", "updated_at")
    list_filter = ("provider", "stt_engine")
    search_fields = ("organization__name",)
    list_select_related = ("organization",)
    # The keys are stored for the worker only: the admin never shows them (edit them on the settings page).
    fieldsets = (
        (None, {"fields": ("organization",)}),
        (_("Minutes"), {"fields": ("provider", "model", "base_url", "context_window", "default_template")}),
        (_("Speech recognition"), {"fields": ("stt_engine", "stt_model", "glossary")}),
        (None, {"fields": ("updated_by", "updated_at")}),
    )
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(VoiceQuestion)
class VoiceQuestionAdmin(admin.ModelAdmin):
    """For following the speech queue: voice questions are written by the worker, never by hand."""

    list_display = ("id", "conversation", "user", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("user__email",)
    list_select_related = ("conversation", "user")
    readonly_fields = (
        "conversation", "user", "audio", "language", "state", "text", "error", "question", "created_at", "finished_at",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VoiceRecording)
class VoiceRecordingAdmin(admin.ModelAdmin):
    """For following the speech queue: a member's recording of their own voice, written by the worker. The
    audio and the voice taken from it stay out of sight; only the member may use them."""

    list_display = ("id", "organization", "member", "state", "speech_seconds", "created_at")
    list_filter = ("state",)
    search_fields = ("member__email",)
    list_select_related = ("organization", "member")
    fields = ("organization", "member", "state", "error", "speech_seconds", "consented_at", "created_at", "finished_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
