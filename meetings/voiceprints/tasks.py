"""django-q2 entry point for a member's recording of their own voice, run by the speech workers (the speech
queue): web processes only store the recording and queue this, so they never load a diarization model."""

import logging
import tempfile

from django.utils.translation import gettext as _

from ai_pipeline.pipeline import PipelineError
from meetings.models import VoiceRecording
from meetings.recordings.local_files import local_path
from meetings.recordings.short_audio import run_once
from meetings.voiceprints.services import enrol_from_embedding

logger = logging.getLogger(__name__)


def enrol_from_recording(recording_id):
    """Take the member's voice out of their recording with the configured diarizer's embedding and save it to
    their voiceprint. Safe to deliver twice: a finished one is left alone. The recording is deleted whatever
    happens."""
    recording = VoiceRecording.objects.select_related("organization", "member").filter(pk=recording_id).first()
    if recording is None:
        logger.warning("voice recording %s no longer exists (voiceprint deleted?)", recording_id)
        return "missing"

    def enrol(recording):
        sample = _voice_sample(recording)
        enrol_from_embedding(recording, sample["embedding"])
        recording.mark_done(sample["speech_seconds"])

    return run_once(recording, enrol, _("Your voice could not be taken from the recording. Please try again."))


def _voice_sample(recording):
    from ai_pipeline.diarization.voice import voice_sample_from_file

    if not recording.audio:
        raise PipelineError(_("The recording is no longer available."))
    with tempfile.TemporaryDirectory(prefix="nexochat-voiceprint-") as folder:
        return voice_sample_from_file(local_path(recording.audio, folder, "voice"))
