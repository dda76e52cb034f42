"""Joining a live session's chunks (each a standalone audio file) into one recording, in the order given.

Chunks that share a container and codec FFmpeg can append (WebM/Matroska or Ogg with Opus or Vorbis, WAV
with PCM: what MediaRecorder and simple clients send) are remuxed, packets copied without re-encoding, with
their timestamps moved to follow each other. Anything else (MP4/AAC from Safari, chunks that differ) is
decoded once into one 16-bit PCM WAV file."""

import wave
from dataclasses import dataclass
from pathlib import Path

# FFmpeg's input format name -> (output format, file suffix) for the containers that can be appended to.
REMUXABLE = {
    "matroska,webm": ("webm", ".webm"),
    "ogg": ("ogg", ".ogg"),
    "wav": ("wav", ".wav"),
}
REMUX_CODECS = {"opus", "vorbis", "pcm_s16le", "pcm_f32le", "pcm_s24le", "pcm_s32le"}
# A remuxed Opus chunk keeps its encoder's priming samples (312 at 48 kHz) that decoding it alone drops,
# so each chunk after the first may make the joined file this much longer than the chunks' sum.
OPUS_PRIMING_SECONDS = 312 / 48000


@dataclass
class Joined:
    path: Path
    method: str  # "remux" or "decode"
    suffix: str
    content_type: str
    tolerance: float  # seconds the joined duration may differ from the chunks' sum


def _shape(path):
    import av

    with av.open(str(path), metadata_errors="ignore") as container:
        stream = next(s for s in container.streams if s.type == "audio")
        context = stream.codec_context
        return (container.format.name, context.name, int(context.sample_rate or 0), int(context.channels or 0))


def join_chunks(paths, folder, tolerance=0.5):
    """Join `paths` (in this order) into one file in `folder`; returns a Joined."""
    shapes = {_shape(path) for path in paths}
    if len(shapes) == 1:
        container, codec, _rate, _channels = next(iter(shapes))
        if container in REMUXABLE and codec in REMUX_CODECS:
            output_format, suffix = REMUXABLE[container]
            target = Path(folder) / f"joined{suffix}"
            _remux(paths, target, output_format)
            extra = OPUS_PRIMING_SECONDS * (len(paths) - 1) if codec == "opus" else 0.0
            content_type = "audio/wav" if suffix == ".wav" else f"audio/{output_format}"
            return Joined(target, "remux", suffix, content_type, tolerance + extra)
    target = Path(folder) / "joined.wav"
    _decode_to_wav(paths, target)
    return Joined(target, "decode", ".wav", "audio/wav", tolerance)


def _remux(paths, target, output_format):
    import av

    with av.open(str(target), "w", format=output_format) as output:
        out_stream = None
        offset = 0.0  # seconds: where the next chunk starts
        for path in paths:
            with av.open(str(path), metadata_errors="ignore") as source:
                stream = next(s for s in source.streams if s.type == "audio")
                if out_stream is None:
                    out_stream = output.add_stream_from_template(stream)
                time_base = stream.time_base
                first = None
                end = 0
                for packet in source.demux(stream):
                    if packet.dts is None:  # the demuxer's flush packet
                        continue
                    pts = packet.pts if packet.pts is not None else packet.dts
                    if first is None:
                        first = pts
                    shift = int(round(offset / time_base)) - first
                    end = max(end, pts - first + (packet.duration or 0))
                    packet.pts = pts + shift
                    packet.dts = packet.dts + shift
                    packet.stream = out_stream
                    output.mux(packet)
                offset += float(end * time_base)


def _decode_to_wav(paths, target):
    import av

    rate = None
    with wave.open(str(target), "wb") as out:
        for path in paths:
            with av.open(str(path), metadata_errors="ignore") as source:
                stream = next(s for s in source.streams if s.type == "audio")
                if rate is None:
                    rate = int(stream.codec_context.sample_rate or 48000)
                    out.setnchannels(1)
                    out.setsampwidth(2)
                    out.setframerate(rate)
                resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
                for frame in source.decode(stream):
                    frame.pts = None
                    for converted in resampler.resample(frame):
                        out.writeframes(converted.to_ndarray().tobytes())
                for converted in resampler.resample(None):
                    out.writeframes(converted.to_ndarray().tobytes())
