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
