"""Decoding any recording to the 16 kHz mono float32 samples every engine takes."""

import numpy as np
from django.utils.translation import gettext as _

from .pipeline import PipelineError

SAMPLE_RATE = 16000


def decode_audio(path, progress=None, duration_hint=None):
    """All of the file's first audio stream as float32 in [-1, 1], 16 kHz mono (PyAV/FFmpeg)."""
    import av

    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, OSError) as exc:
        raise PipelineError(
            _("This file is not audio or video that can be read (%(error)s).") % {"error": exc}
        ) from exc
    chunks = []
    decoded = 0
    with container:
        streams = [s for s in container.streams if s.type == "audio"]
        if not streams:
            raise PipelineError(_("This file has no audio track."))
        stream = streams[0]
        total = duration_hint or (float(container.duration) / 1_000_000 if container.duration else None)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        errors = 0
        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    errors += 1
                    if errors > 50:
                        break
                    continue
                for frame in frames:
                    frame.pts = None  # let the resampler follow the samples, not damaged timestamps
                    for out in resampler.resample(frame):
                        array = out.to_ndarray().reshape(-1)
                        chunks.append(array)
                        decoded += array.size
                if progress and total and len(chunks) % 200 == 0:
                    progress(min(1.0, decoded / SAMPLE_RATE / total))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            if not chunks:
                raise PipelineError(f"The recording could not be decoded ({exc}).") from exc
    audio = np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, dtype=np.float32)
    if audio.size == 0:
        raise PipelineError(_("The recording contains no audio that can be decoded (0 seconds)."))
    np.clip(audio, -1.0, 1.0, out=audio)
    return audio


# Whisper hallucinates on quiet input (it normalises its log-mel features to the loudest frame, so a
# quiet recording's noise floor looks like speech); speech is brought up to a common level first.
TARGET_SPEECH_DBFS = -20.0
MAX_GAIN_DB = 30.0
MIN_GAIN_DB = 3.0
FRAME = 480  # 30 ms


def speech_level_dbfs(audio):
    """The level of the loud frames (the 95th percentile of 30 ms RMS), in dBFS; -inf for silence."""
    frames = audio[: len(audio) // FRAME * FRAME].reshape(-1, FRAME) if len(audio) >= FRAME else audio[None, :]
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    level = float(np.percentile(rms, 95)) if rms.size else 0.0
    return 20 * np.log10(level) if level > 0 else float("-inf")


def normalise_level(audio):
    """Raise a quiet recording to TARGET_SPEECH_DBFS without clipping its peaks. Returns (audio, gain in dB);
    recordings already near the target (or silent) come back unchanged with gain 0."""
    level = speech_level_dbfs(audio)
    if not np.isfinite(level):
        return audio, 0.0
    gain_db = min(TARGET_SPEECH_DBFS - level, MAX_GAIN_DB)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        gain_db = min(gain_db, 20 * np.log10(0.98 / peak))
    if gain_db < MIN_GAIN_DB:
        return audio, 0.0
    return (audio * np.float32(10 ** (gain_db / 20))).astype(np.float32, copy=False), round(gain_db, 1)


def to_int16(audio):
    return (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)


def speech_regions(audio, min_silence_ms=500, speech_pad_ms=200, threshold=0.5):
    """[(start, end)] seconds of speech, by the Silero VAD model faster-whisper ships as ONNX."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=threshold,
        min_silence_duration_ms=min_silence_ms,
        speech_pad_ms=speech_pad_ms,
        min_speech_duration_ms=200,
    )
    stamps = get_speech_timestamps(audio, options, sampling_rate=SAMPLE_RATE)
    return [(round(s["start"] / SAMPLE_RATE, 3), round(s["end"] / SAMPLE_RATE, 3)) for s in stamps]


def speech_seconds(regions, start, end):
    """How much of [start, end] the speech regions cover."""
    return sum(max(0.0, min(end, e) - max(start, s)) for s, e in regions)
