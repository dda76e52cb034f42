"""A meeting of an organization: when, who, what language, its tags and its processing status."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from nexochat.validators import single_line


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
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
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
    # --- scheduling: duration, place, series, who may see it ---
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
        except ObjectDoesNotExist:
            return None
