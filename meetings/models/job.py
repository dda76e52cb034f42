"""Background runs over a recording (process, transcribe, diarize, minutes...) and their states."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .meeting import Meeting, MeetingStatus


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

    def seconds_left(self, now=None):
        """A running job's time left at the pace it has kept so far; None until there is a pace to go on."""
        if self.state != JobState.RUNNING or self.started_at is None or self.percent < 3:
            return None
        spent = ((now or timezone.now()) - self.started_at).total_seconds()
        if spent < 5:
            return None
        return spent * (100 - self.percent) / self.percent

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
