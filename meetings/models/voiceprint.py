"""Speaker memory: a member's voiceprint, saved only with their own consent, matched against the speakers of
the organization's new meetings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
