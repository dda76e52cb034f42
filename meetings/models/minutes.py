"""Minutes versions, their decisions and action items (tracked across meetings), and templates."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

from .job import Job
from .meeting import Meeting
from .transcript import Segment, Speaker


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
    # a later decision that replaces this one
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
