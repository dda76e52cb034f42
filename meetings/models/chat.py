"""The archive chatbot's conversations: each belongs to one user, inside one organization, optionally
about one meeting; spoken questions wait as VoiceQuestion until a worker transcribes them."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .short_audio import ShortAudioJob


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
    # An answer's question: a question asked again later, after newer ones, still finds its answer.
    reply_to = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.role}: {self.content[:40]}"


class VoiceState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Transcribing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    # No worker got to it in time (settings.VOICE_CLIP_MAX_AGE): the recording was deleted unheard.
    EXPIRED = "expired", _("Expired")


def voice_upload_to(instance, filename):
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"voice/{uuid.uuid4().hex}{suffix}"


class VoiceQuestion(ShortAudioJob, models.Model):
    """A spoken question waiting for (or done with) its transcription on the speech queue. The audio
    is kept only until the worker has read it; the question it became is an ordinary ChatMessage."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="voice_questions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_questions")
    audio = models.FileField(upload_to=voice_upload_to, max_length=300, blank=True)
    # The spoken language ("ko", "en"); blank: detect it.
    language = models.CharField(max_length=8, blank=True)
    state = models.CharField(max_length=16, choices=VoiceState.choices, default=VoiceState.QUEUED)
    text = models.TextField(blank=True)
    error = models.TextField(blank=True)
    question = models.ForeignKey(ChatMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voice question")
        verbose_name_plural = _("voice questions")
        ordering = ["-created_at", "-pk"]

    expired_message = _("The recording waited too long to be transcribed and was deleted. Please ask again.")

    def __str__(self):
        return f"#{self.pk} ({self.state})"

    def mark_done(self, question):
        self.state = VoiceState.DONE
        self.question = question
        self.text = question.content
        self.error = ""
        self.finished_at = timezone.now()
        self.save(update_fields=["state", "question", "text", "error", "finished_at"])

    def mark_transcribed(self, text):
        """Done, but not asked: the speaker confirms or edits the text first (the page's flow)."""
        self.state = VoiceState.DONE
        self.text = text
        self.error = ""
        self.finished_at = timezone.now()
        self.save(update_fields=["state", "text", "error", "finished_at"])
