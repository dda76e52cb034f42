"""django-q2 entry point for voice questions, run by the speech workers (the speech queue): web
processes only store the recording and queue this, so they never load a speech model."""

import logging
import tempfile

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ai_pipeline.pipeline import PipelineError
from meetings.chat.services import finish_voice_question, hold_voice_transcription
from meetings.models import VoiceQuestion
from meetings.recordings.local_files import local_path
from meetings.recordings.short_audio import run_once

logger = logging.getLogger(__name__)


def transcribe_voice_question(voice_id, ui_language="", ask=True):
    """Transcribe one voice question and add it to its conversation (ask=False: only keep its text, for
    the speaker to confirm). Safe to deliver twice: a finished one is left alone, and one found running
    (its worker died) starts over. The recording is deleted whatever happens."""
    voice = VoiceQuestion.objects.select_related("conversation").filter(pk=voice_id).first()
    if voice is None:
        logger.warning("voice question %s no longer exists (conversation deleted?)", voice_id)
        return "missing"

    def transcribe(voice):
        text = _transcribe(voice)
        if ask:
            finish_voice_question(voice, text)
        else:
            hold_voice_transcription(voice, text)

    with translation.override(ui_language or settings.LANGUAGE_CODE):
        return run_once(voice, transcribe, _("The question could not be transcribed. Please try again."))


def _transcribe(voice):
    from ai_pipeline.chat import transcribe_question

    if not voice.audio:
        raise PipelineError(_("The recording is no longer available."))
    with tempfile.TemporaryDirectory(prefix="nexochat-voice-") as folder:
        return transcribe_question(local_path(voice.audio, folder, "question"), voice.language or None)
