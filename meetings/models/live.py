"""Live capture: a recording that arrives in numbered chunks while the meeting runs, the chunks themselves,
and the draft text transcribed from them as they arrive (replaced by the normal transcript once the joined
recording has been processed)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .meeting import Meeting


class LiveState(models.TextChoices):
    RECORDING = "recording", _("Recording live")
    FINISHING = "finishing", _("Finishing")
    DONE = "done", _("Done")
    ABANDONED = "abandoned", _("Finished by the server")
    FAILED = "failed", _("Failed")


class LiveSession(models.Model):
    """One live recording of a meeting by one user. States: recording → finishing → done, or abandoned
    (no chunk for LIVE_ABANDON_SECONDS: the server finished it with what it had), or failed (the chunks
    could not be joined; they are all kept and finishing can be asked again)."""

    OPEN_STATES = (LiveState.RECORDING, LiveState.FINISHING)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="live_sessions")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=LiveState.choices, default=LiveState.RECORDING, db_index=True)
    mime_type = models.CharField(_("content type"), max_length=100, blank=True)
    container = models.CharField(max_length=32, blank=True, help_text="FFmpeg's name of the chunks' container.")
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_chunk_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Live transcription: seconds of the session done so far, and the lock that keeps it to one task.
    transcribed_until = models.FloatField(default=0.0)
    transcribing_since = models.DateTimeField(null=True, blank=True)
    storage_prefix = models.CharField(max_length=100, editable=False)
    # The joined recording's report: missing sequence numbers, seconds joined, how (remux or decode).
    finish_report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")

    def __str__(self):
        return f"{self.meeting} ({self.state})"

    def save(self, *args, **kwargs):
        if not self.storage_prefix:
            self.storage_prefix = f"live/org-{self.meeting.organization_id}/{uuid.uuid4().hex}"
        super().save(*args, **kwargs)

    @property
    def organization_id(self):
        return self.meeting.organization_id

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES


class LiveChunk(models.Model):
    """One numbered piece of a live recording, stored as it came (a standalone audio file)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="chunks")
    sequence = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    duration = models.FloatField(help_text="Seconds, measured by decoding the chunk.")
    sha256 = models.CharField(max_length=64)
    file = models.FileField(max_length=300)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [models.UniqueConstraint(fields=["session", "sequence"], name="live_chunk_sequence_once")]

    def __str__(self):
        return f"{self.session_id}#{self.sequence}"


class LiveText(models.Model):
    """Draft text of one window of a live session (times in seconds from the session's start)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="texts")
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField(blank=True)
    words = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "pk"]

    def __str__(self):
        return f"{self.start:.1f}-{self.end:.1f}: {self.text[:40]}"
