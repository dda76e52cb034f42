"""Voice questions: a short recording transcribed by the speech pipeline's own STT engine (the one
`manage.py transcribe` runs, loaded once per process and reused), without diarization."""

from django.utils.translation import gettext as _

from ..pipeline import PipelineError

MAX_SECONDS = 60.0


def transcribe_question(path, language=None):
    """The text of a spoken question. language: "ko", "en", or None/"auto" to detect."""
    from ..audio import SAMPLE_RATE, decode_audio
    from ..stt import ModelLoadError, get_engine

    audio = decode_audio(path)
    if audio.size > MAX_SECONDS * SAMPLE_RATE:
        raise PipelineError(_("A spoken question can be at most %(seconds)d seconds long.") % {"seconds": MAX_SECONDS})
    try:
        engine = get_engine()
    except ModelLoadError as exc:
        raise PipelineError(str(exc)) from exc
    transcript = engine.transcribe(audio, language=None if language in (None, "", "auto") else language)
    text = " ".join(segment.text.strip() for segment in transcript.segments).strip()
    if not text:
        raise PipelineError(_("No speech was recognised in the recording."))
    return text
