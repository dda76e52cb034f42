"""The archive chatbot's conversations (issue #5): each belongs to one user, inside one organization,
optionally about one meeting. Imported at the bottom of meetings/models.py, so these are ordinary
models of the meetings app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ChatRole", "Conversation", "ChatMessage"]


class ChatRole(models.TextChoices):
    USER = "user", _("Question")
    ASSISTANT = "assistant", _("Answer")


class Conversation(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="conversations")
    # A conversation about one meeting goes with it; an archive-wide one has none.
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, null=True, blank=True, related_name="conversations"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["user", "-updated_at"], name="conversation_user_recent")]

    def __str__(self):
        return self.title or f"#{self.pk}"


class ChatMessage(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16, choices=ChatRole.choices)
    content = models.TextField()
    # [{"n": number in the answer, "meeting_id", "position", "start", "passage_id"}]
    citations = models.JSONField(default=list, blank=True)
    # "typed" or "voice": how the question was asked; the provider's name for answers.
    source = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.role}: {self.content[:40]}"
