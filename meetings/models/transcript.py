"""A meeting's transcript: speakers, segments of text with word times, and gaps (speech without text)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ai_pipeline import coverage

from .meeting import Meeting

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
    # the voice as the diarizer heard it in this meeting (its embedding), matched against voiceprints
    embedding = models.JSONField(_("voice embedding"), null=True, blank=True, editable=False)
    suggested_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested member"),
    )
    suggestion_confidence = models.FloatField(_("confidence of the suggestion"), null=True, blank=True)
    # the member was named by a voiceprint (and confirmed), not picked by hand
    named_by_voiceprint = models.BooleanField(_("named by voiceprint"), default=False)

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
