"""Speaker memory: a member's voiceprint, saved only with their own consent, matched against the speakers of
the organization's new meetings."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .short_audio import ShortAudioJob


class Voiceprint(models.Model):
    """One member's voice in one organization: the running mean of the speaker embeddings they confirmed as
    theirs. `consented_at` is when the member themselves saved it."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="voiceprints")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voiceprints")
    vector = models.JSONField(_("voice vector"), editable=False)
    samples = models.PositiveIntegerField(_("samples"), default=1)
    consented_at = models.DateTimeField(_("consent given"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("voiceprint")
        verbose_name_plural = _("voiceprints")
        constraints = [models.UniqueConstraint(fields=["organization", "member"], name="unique_voiceprint")]

    def __str__(self):
        return f"{self.member} @ {self.organization_id}"


def voice_recording_upload_to(instance, filename):
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"voiceprints/{uuid.uuid4().hex}{suffix}"


class VoiceRecordingState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Processing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    # No worker got to it in time (settings.VOICE_CLIP_MAX_AGE): the recording was deleted unheard.
    EXPIRED = "expired", _("Expired")


class VoiceRecording(ShortAudioJob, models.Model):
    """A short recording a member made of their own voice (profile page) to save or add to their voiceprint,
    waiting for (or done with) the speech worker that takes the voice out of it. The audio is kept only until
    the worker has read it. `consented_at` is when the member ticked the consent box and sent it."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="voice_recordings")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_recordings")
    audio = models.FileField(upload_to=voice_recording_upload_to, max_length=300, blank=True)
    state = models.CharField(max_length=16, choices=VoiceRecordingState.choices, default=VoiceRecordingState.QUEUED)
    error = models.TextField(blank=True)
    speech_seconds = models.FloatField(null=True, blank=True)
    consented_at = models.DateTimeField(_("consent given"))
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voice recording")
        verbose_name_plural = _("voice recordings")
        ordering = ["-created_at", "-pk"]

    expired_message = _("The recording waited too long to be processed and was deleted. Please record again.")

    def __str__(self):
        return f"#{self.pk} ({self.state})"

    def mark_done(self, speech_seconds):
        self.state = VoiceRecordingState.DONE
        self.speech_seconds = speech_seconds
        self.error = ""
        self.finished_at = timezone.now()
        self.save(update_fields=["state", "speech_seconds", "error", "finished_at"])
