import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from ai_pipeline import coverage
from nexochat import secrets_at_rest


class Language(models.TextChoices):
    KOREAN = "ko", _("Korean")
    ENGLISH = "en", _("English")
    AUTO = "auto", _("Detect automatically")


class MeetingStatus(models.TextChoices):
    NEW = "new", _("No recording")
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Tag(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_tag_per_org")]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    held_at = models.DateTimeField(_("date and time"), default=timezone.now)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.KOREAN)
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="meetings", verbose_name=_("tags"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended", verbose_name=_("participants")
    )
    external_participants = models.CharField(
        _("other participants"), max_length=500, blank=True, help_text=_("Names of guests, comma-separated.")
    )
    status = models.CharField(_("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.NEW)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="meetings_created"
    )
    # --- conference management (issue #6) ---
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    location = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), max_length=500, blank=True)
    series = models.ForeignKey(
        "meetings.Series",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("series"),
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        default="organization",
        choices=[("organization", _("Whole organization")), ("selected", _("Selected members"))],
    )
    allowed_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meetings_allowed", verbose_name=_("selected members")
    )
    recap_sent_at = models.DateTimeField(_("recap sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-held_at", "-id"], name="meeting_org_held"),
            models.Index(fields=["organization", "status", "-held_at"], name="meeting_org_status"),
        ]

    def __str__(self):
        return self.title

    @property
    def recording(self):
        try:
            return self._recording
        except Recording.DoesNotExist:
            return None


def recording_upload_to(instance, filename):
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"recordings/org-{instance.meeting.organization_id}/{uuid.uuid4().hex}{suffix}"


class Recording(models.Model):
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="_recording")
    file = models.FileField(upload_to=recording_upload_to, max_length=300)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.BigIntegerField(_("size (bytes)"))
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    media_info = models.JSONField(_("media info"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")

    def __str__(self):
        return self.original_name


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """One background run over a recording. State moves queued → running(stage, percent) → done | failed."""

    FINISHED_STATES = (JobState.DONE, JobState.FAILED)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(_("kind"), max_length=32, default="process")
    state = models.CharField(_("state"), max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    percent = models.PositiveSmallIntegerField(_("percent"), default=0)
    reason = models.TextField(_("failure reason"), blank=True)
    # What kind of failure, for the page to explain in the reader's language (the reason is for operators).
    failure_code = models.CharField(_("failure code"), max_length=32, blank=True)
    options = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(max_length=64, blank=True)
    timings = models.JSONField(_("stage timings (s)"), default=dict, blank=True)
    # What a transcript-writing job found: speech_seconds, transcribed_seconds, gap_seconds, gaps,
    # coverage (transcribed / detected speech), low_confidence_segments, level_gain_db.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    log = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("processing job")
        verbose_name_plural = _("processing jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "-created_at"], name="job_state")]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def is_finished(self):
        return self.state in self.FINISHED_STATES

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    # --- state machine ---------------------------------------------------------------------
    # Each transition writes only its own fields, so a progress update never overwrites
    # another process's change to the same row.

    # The meeting's status follows its recording's processing; a minutes job that fails leaves
    # a perfectly good transcript, so it must not mark the meeting failed.
    RECORDING_KINDS = ("process", "probe", "transcribe", "diarize")

    def _set_meeting_status(self, status):
        if self.kind not in self.RECORDING_KINDS:
            return
        Meeting.objects.filter(pk=self.meeting_id).update(status=status, updated_at=timezone.now())

    def mark_running(self, stage=""):
        self.state = JobState.RUNNING
        self.stage = stage
        self.percent = 0
        self.reason = ""
        self.failure_code = ""
        self.attempts += 1
        self.started_at = timezone.now()
        self.finished_at = None
        self.save(
            update_fields=[
                "state", "stage", "percent", "reason", "failure_code", "attempts", "started_at", "finished_at",
                "updated_at",
            ]
        )  # fmt: skip
        self._set_meeting_status(MeetingStatus.PROCESSING)

    def report(self, stage, percent):
        self.stage = stage
        self.percent = max(0, min(100, int(percent)))
        self.save(update_fields=["stage", "percent", "updated_at"])

    def record_summary(self, summary):
        self.summary = summary
        self.save(update_fields=["summary", "updated_at"])

    @property
    def untranscribed_seconds(self):
        return (self.summary or {}).get("gap_seconds") or 0.0

    def add_log(self, line):
        stamp = timezone.now().strftime("%H:%M:%S")
        self.log = f"{self.log}{stamp} {line}\n"
        self.save(update_fields=["log", "updated_at"])

    def mark_done(self):
        self.state = JobState.DONE
        self.percent = 100
        self.finished_at = timezone.now()
        self.save(update_fields=["state", "percent", "finished_at", "timings", "updated_at"])
        self._set_meeting_status(MeetingStatus.READY)

    def mark_failed(self, reason, code=""):
        self.state = JobState.FAILED
        self.reason = str(reason)[:2000]
        self.failure_code = code[:32]
        self.finished_at = timezone.now()
        self.save(update_fields=["state", "reason", "failure_code", "finished_at", "timings", "updated_at"])
        self._set_meeting_status(MeetingStatus.FAILED)


# --- transcript ----------------------------------------------------------------------------

SPEAKER_COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"]


class Speaker(models.Model):
    """A voice found in one meeting. `label` (S1, S2...) is stable; `name` and `member` are what people set."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="speakers")
    label = models.CharField(_("label"), max_length=16)
    name = models.CharField(_("name"), max_length=100, blank=True)
    color = models.CharField(_("color"), max_length=7, blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization member"),
    )

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["meeting", "label"]
        constraints = [models.UniqueConstraint(fields=["meeting", "label"], name="unique_speaker_label")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if self.name:
            return self.name
        if self.member_id:
            return self.member.name or str(self.member)
        return self.label


class Segment(models.Model):
    """One run of speech by one speaker. `words` keeps [{w, s, e, p}] so speakers can be
    re-assigned later without running speech-to-text again."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="segments")
    position = models.PositiveIntegerField(_("position"))
    speaker = models.ForeignKey(Speaker, on_delete=models.SET_NULL, null=True, blank=True, related_name="segments")
    start = models.FloatField(_("start (s)"))
    end = models.FloatField(_("end (s)"))
    text = models.TextField(_("text"))
    original_text = models.TextField(_("original text"), blank=True)
    words = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["meeting", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="unique_segment_position")]

    def __str__(self):
        return f"{self.start:.1f}-{self.end:.1f}: {self.text[:50]}"

    @property
    def is_edited(self):
        return self.text != self.original_text

    is_gap = False  # a line with text; TranscriptGap is the line without

    @property
    def is_low_confidence(self):
        """Kept and shown, but marked: the recogniser was unsure (a person's correction clears it)."""
        return self.confidence is not None and self.confidence < settings.STT_LOW_CONFIDENCE and not self.is_edited


class TranscriptGap(models.Model):
    """Speech the recogniser heard but could not turn into text (or whose text a guard removed). It keeps
    its speaker, so the timeline and talk time stay complete, and is shown where it happened."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="transcript_gaps")
    speaker = models.ForeignKey(Speaker, on_delete=models.SET_NULL, null=True, blank=True, related_name="gaps")
    start = models.FloatField(_("start (s)"))
    end = models.FloatField(_("end (s)"))
    reason = models.CharField(
        _("reason"),
        max_length=32,
        choices=[(key, _(label)) for key, label in coverage.REASONS.items()],
        default=coverage.NOT_RECOGNISED,
    )

    class Meta:
        verbose_name = _("transcript gap")
        verbose_name_plural = _("transcript gaps")
        ordering = ["meeting", "start"]
        indexes = [models.Index(fields=["meeting", "start"], name="gap_meeting_start")]

    is_gap = True
    is_low_confidence = False

    def __str__(self):
        return f"{self.start:.1f}-{self.end:.1f}: {self.reason}"

    @property
    def duration(self):
        return max(0.0, self.end - self.start)


# --- minutes (issue #4) ----------------------------------------------------------------------


class Minutes(models.Model):
    """One version of a meeting's minutes. Regenerating or editing adds a version; earlier ones are kept.

    `data` is the structure (title, overview, key_points, decisions, action_items, open_questions,
    topics, and the speakers' ids and names: ai_pipeline/minutes/names.py) and the only copy of the text:
    the page, the exports, the share page, the recap email and the decision and action-item rows are
    made from it. An edited version has `edited_by`, `edited_at` and the version it was edited from."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes_versions")
    version = models.PositiveIntegerField(_("version"))
    provider = models.CharField(_("provider"), max_length=32)
    model = models.CharField(_("model"), max_length=200, blank=True)
    template = models.CharField(_("template"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ko")
    data = models.JSONField(default=dict)
    is_extractive = models.BooleanField(_("extractive (no language model)"), default=False)
    stats = models.JSONField(default=dict, blank=True)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_from = models.PositiveIntegerField(_("edited from version"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        ordering = ["meeting", "-version"]
        constraints = [models.UniqueConstraint(fields=["meeting", "version"], name="unique_minutes_version")]

    def __str__(self):
        return f"{self.meeting} v{self.version}"

    @property
    def title(self):
        return self.data.get("title") or self.meeting.title

    @property
    def is_reviewed(self):
        return self.reviewed_at is not None


class MinutesDraft(models.Model):
    """The text a running minutes job has produced so far, so the page can show it while it streams."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="minutes_draft")
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"draft of job {self.job_id}"


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class MinutesItem(models.Model):
    """What decisions and action items share: where in the meeting they were said, and by whom."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    minutes = models.ForeignKey(Minutes, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("position"), default=0)
    speaker = models.ForeignKey(Speaker, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    speaker_name = models.CharField(_("said by"), max_length=100, blank=True)
    segment = models.ForeignKey(Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    start = models.FloatField(_("time (s)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["meeting", "position"]


class Decision(MinutesItem):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions_made",
        verbose_name=_("decided by (member)"),
    )
    # conference management (issue #6): a later decision that replaces this one
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )

    class Meta(MinutesItem.Meta):
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        indexes = [models.Index(fields=["meeting", "position"], name="decision_meeting")]

    def __str__(self):
        return self.text[:80]


class ActionItem(MinutesItem):
    owner_name = models.CharField(_("owner"), max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("assignee"),
    )
    due_text = models.CharField(_("due (as said)"), max_length=100, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN)

    class Meta(MinutesItem.Meta):
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [
            models.Index(fields=["meeting", "position"], name="action_meeting"),
            models.Index(fields=["assignee", "status", "due_date"], name="action_assignee"),
        ]

    def __str__(self):
        return self.text[:80]


class MinutesTemplate(models.Model):
    """An organization's own minutes prompt (style instructions; the output structure stays the same)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="minutes_templates")
    name = models.CharField(_("name"), max_length=100)
    prompt = models.TextField(_("instructions"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("minutes template")
        verbose_name_plural = _("minutes templates")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_minutes_template")]

    def __str__(self):
        return self.name

    @property
    def key(self):
        return f"org:{self.pk}"


class OrganizationAISettings(models.Model):
    """An organization's choice of LLM provider. Empty fields fall back to the server's LLM_* settings.
    The API keys are stored encrypted (nexochat/secrets_at_rest.py) for the worker to use and never
    rendered back to anyone: `api_key` and `apigw_api_key` read and write the plaintext."""

    PROVIDERS = [
        ("", _("Server default")),
        ("hyperclova", "HyperCLOVA X (CLOVA Studio)"),
        ("clova-openai", _("HyperCLOVA X (OpenAI-compatible endpoint)")),
        ("openai", _("OpenAI-compatible server (vLLM, Ollama, OpenAI)")),
        ("local", _("Local model on the GPU worker")),
        ("offline", _("Offline (extractive, no language model)")),
    ]
    STT_ENGINES = [
        ("", _("Server default")),
        ("faster-whisper", "faster-whisper (CTranslate2)"),
        ("transformers", "Transformers Whisper"),
    ]

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="ai_settings")
    provider = models.CharField(_("provider"), max_length=32, choices=PROVIDERS, blank=True)
    model = models.CharField(_("model"), max_length=200, blank=True)
    base_url = models.URLField(_("base URL"), max_length=300, blank=True)
    encrypted_api_key = models.TextField(_("API key"), blank=True, editable=False)
    encrypted_apigw_api_key = models.TextField(_("API gateway key (legacy CLOVA keys)"), blank=True, editable=False)
    context_window = models.PositiveIntegerField(_("context window (tokens)"), null=True, blank=True)
    default_template = models.CharField(_("default template"), max_length=120, default="default")
    stt_engine = models.CharField(_("speech-to-text engine"), max_length=32, choices=STT_ENGINES, blank=True)
    stt_model = models.CharField(
        _("speech-to-text model"), max_length=300, blank=True, help_text=_("A model id or a folder on the worker.")
    )
    glossary = models.TextField(
        _("glossary"), blank=True, help_text=_("Names and terms the transcript should spell correctly, one per line.")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("AI settings")
        verbose_name_plural = _("AI settings")

    def __str__(self):
        return f"{self.organization}: {self.provider or 'default'}"

    @property
    def has_api_key(self):
        return bool(self.encrypted_api_key)

    # Reading raises secrets_at_rest.UnreadableSecret when no configured key decrypts the stored value.
    api_key = secrets_at_rest.encrypted_property("encrypted_api_key")
    apigw_api_key = secrets_at_rest.encrypted_property("encrypted_apigw_api_key")

    @property
    def glossary_terms(self):
        return [term.strip() for term in self.glossary.splitlines() if term.strip()]


from .chat_models import *  # noqa: E402,F403  (issue #5: chatbot conversations)
from .conference_models import *  # noqa: E402,F403  (issue #6: series, agenda, attendees, sharing)
