"""Conference management: recurring series, agenda items, attendees (members and guests), share links
and each user's preferences (recap emails, private calendar feed)."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Recurrence(models.TextChoices):
    NONE = "none", _("Does not repeat")
    WEEKLY = "weekly", _("Every week")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month")


class Visibility(models.TextChoices):
    ORGANIZATION = "organization", _("Whole organization")
    SELECTED = "selected", _("Selected members")


class Series(models.Model):
    """Meetings that recur (a weekly stand-up). Open action items of one meeting show up on the next."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="series")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    recurrence = models.CharField(_("repeats"), max_length=16, choices=Recurrence.choices, default=Recurrence.WEEKLY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class AgendaItem(models.Model):
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("topic"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "id"]

    def __str__(self):
        return self.title


class Attendee(models.Model):
    """Someone invited to a meeting: an organization member, or a guest known by email. After the
    recording is processed, a person confirms which diarized speaker the attendee is."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="attendances"
    )
    email = models.EmailField(_("email"), blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    speaker = models.ForeignKey(
        "meetings.Speaker", on_delete=models.SET_NULL, null=True, blank=True, related_name="attendees"
    )
    speaker_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["meeting", "id"]
        constraints = [
            # Guests have no user; NULLs never clash in a unique constraint (SQLite, MariaDB, PostgreSQL).
            models.UniqueConstraint(fields=["meeting", "user"], name="unique_attendee_member"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def is_guest(self):
        return self.user_id is None

    @property
    def display_name(self):
        if self.user_id:
            return self.user.display_name
        return self.name or self.email

    @property
    def address(self):
        return self.user.email if self.user_id else self.email


def _share_token():
    return secrets.token_urlsafe(32)


def _share_expiry():
    return timezone.now() + timedelta(days=7)


class ShareLink(models.Model):
    """A read-only guest link to one meeting (transcript, minutes, player), until it expires or is revoked."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=_share_token, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), default=_share_expiry)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.meeting} share link"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class UserPreference(models.Model):
    """Per-user settings of conference management: recap emails and the private calendar feed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    recap_emails = models.BooleanField(_("email me a recap when minutes are ready"), default=True)
    feed_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    feed_created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return f"{self.user} preferences"
