"""The one recording of a meeting, stored through Django's storage API."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .meeting import Meeting


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
