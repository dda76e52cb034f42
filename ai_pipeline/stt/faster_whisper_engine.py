"""faster-whisper (CTranslate2): the default engine. int8 on CPU, float16 on CUDA; batched
inference on CUDA; Silero VAD; word timestamps."""

import logging
import os
from pathlib import Path

from .base import ModelLoadError, OutOfMemory, SttEngine, SttSegment, Transcript, Word, is_out_of_memory
from .guards import clean_segments

logger = logging.getLogger(__name__)


class FasterWhisperEngine(SttEngine):
    name = "faster-whisper"
    default_batch_size = 16

    def __init__(self, model, device):
        super().__init__(model, device)
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        from .offline import whisper_base_dir

        location = model or str(whisper_base_dir())
        compute_type = "float16" if device == "cuda" else "int8"
        local = Path(location).exists()
        if not local and ("/" in location and location.startswith((".", "/"))):
            raise ModelLoadError(f"The speech-to-text model folder {location} does not exist.")
        try:
            self.model = WhisperModel(
                location,
                device=device,
                compute_type=compute_type,
                cpu_threads=os.cpu_count() or 1,
                local_files_only=local or os.environ.get("HF_HUB_OFFLINE") == "1",
                download_root=None,
            )
        except Exception as exc:
            raise ModelLoadError(f"The speech-to-text model {location!r} could not be loaded: {exc}") from exc
        self.batched = BatchedInferencePipeline(self.model)
        self.location = location

    def transcribe(
        self, audio, language=None, initial_prompt=None, progress=None, speech_regions=None, batch_size=None
    ):
        duration = len(audio) / 16000
        use_batched = batch_size is not None and batch_size > 1 or (batch_size is None and self.device == "cuda")
        common = {
            "language": language,
            "word_timestamps": True,
            "initial_prompt": initial_prompt or None,
            "hotwords": initial_prompt or None,
            "beam_size": 5,
            "compression_ratio_threshold": 2.4,
            "log_prob_threshold": -1.0,
            "no_speech_threshold": 0.6,
        }
        try:
            if use_batched:
                clips = [{"start": s, "end": e} for s, e in speech_regions] if speech_regions else None
                segments, info = self.batched.transcribe(
                    audio,
                    batch_size=batch_size or self.default_batch_size,
                    vad_filter=clips is None,
                    clip_timestamps=clips,
                    **common,
                )
            else:
                segments, info = self.model.transcribe(
                    audio,
                    vad_filter=True,
                    # Kept on: with condition_on_previous_text=False or hallucination_silence_threshold,
                    # Whisper base marked whole stretches of (synthetic) Korean speech as no-speech and
                    # returned nothing. Loops are handled by the temperature fallback's prompt reset
                    # and by clean_segments.
                    condition_on_previous_text=True,
                    **common,
                )
            result = _stt_segments(segments, progress, duration)
        except Exception as exc:
            if is_out_of_memory(exc):
                raise OutOfMemory(str(exc)) from exc
            raise
        kept, dropped = clean_segments(result, speech_regions)
        return Transcript(language=info.language, segments=kept, dropped=dropped)

    def redecode(self, audio, language=None, initial_prompt=None):
        try:
            segments, info = self.model.transcribe(
                audio,
                language=language,
                initial_prompt=initial_prompt or None,
                word_timestamps=True,
                beam_size=5,
                vad_filter=False,
                condition_on_previous_text=False,
                temperature=RECOVERY_TEMPERATURES,
                compression_ratio_threshold=2.4,
                log_prob_threshold=-1.0,
                # the first pass skipped windows it scored as silence; the VAD says this one is speech
                no_speech_threshold=None,
            )
            result = _stt_segments(segments)
        except Exception as exc:
            if is_out_of_memory(exc):
                raise OutOfMemory(str(exc)) from exc
            raise
        kept, dropped = clean_segments(result, [(0.0, len(audio) / 16000)])
        return Transcript(language=info.language, segments=kept, dropped=dropped)


RECOVERY_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def _stt_segments(segments, progress=None, duration=None):
    """faster-whisper's lazy segments as SttSegments (decoding happens while this iterates)."""
    result = []
    for segment in segments:
        result.append(
            SttSegment(
                start=segment.start,
                end=segment.end,
                text=segment.text,
                words=[Word(w.word, w.start, w.end, w.probability) for w in (segment.words or [])],
                avg_logprob=segment.avg_logprob,
                no_speech_prob=segment.no_speech_prob,
                compression_ratio=segment.compression_ratio,
            )
        )
        if progress and duration:
            progress(min(1.0, segment.end / duration))
    return result
