"""Probing media with PyAV (FFmpeg's libraries): is it audio we can decode, and how long is it.

The content decides, never the file name: any container/codec FFmpeg decodes is accepted."""

from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _


class MediaError(Exception):
    """The file is not usable audio. The message is shown to the user as is."""


@dataclass
class MediaInfo:
    duration: float
    container: str
    audio_codec: str
    sample_rate: int
    channels: int
    has_video: bool

    def as_dict(self):
        return asdict(self)


def probe(path, decode_seconds=None):
    """Open the file, find an audio stream and decode it.

    decode_seconds=None decodes everything (exact duration, catches damage anywhere); a number
    decodes only that much from the start (a quick check while the uploader waits)."""
    import av  # imported here: the web app needs it only when a file arrives

    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, OSError) as exc:
        # strerror, not str(exc): the latter names the server-side temporary path.
        detail = getattr(exc, "strerror", None) or exc.__class__.__name__
        message = _("This file is not audio or video that can be read (%(error)s).") % {"error": detail}
        raise MediaError(message) from exc
    with container:
        audio_streams = [s for s in container.streams if s.type == "audio"]
        if not audio_streams:
            raise MediaError(_("This file has no audio track."))
        stream = audio_streams[0]
        has_video = any(s.type == "video" for s in container.streams)
        decoded = 0.0
        errors = 0
        reached_end = True
        try:
            for packet in container.demux(stream):
                try:
                    for frame in packet.decode():
                        decoded += frame.samples / float(frame.sample_rate or 1)
                except av.error.FFmpegError:
                    errors += 1
                    if errors > 50:
                        break
                if decode_seconds is not None and decoded >= decode_seconds:
                    reached_end = False
                    break
        except av.error.FFmpegError:
            errors += 1
        declared = float(container.duration) / 1_000_000 if container.duration else 0.0
        info = MediaInfo(
            duration=round(decoded if reached_end or not declared else declared, 3),
            container=container.format.name,
            audio_codec=stream.codec_context.name,
            sample_rate=int(stream.codec_context.sample_rate or 0),
            channels=int(stream.codec_context.channels or 0),
            has_video=has_video,
        )
    if decoded <= 0.0:
        raise MediaError(_("The recording contains no audio that can be decoded (0 seconds)."))
    # A quick probe that hit the end early has decoded everything, so it can judge truncation too.
    if reached_end and declared > 5 and decoded < declared * 0.5:
        raise MediaError(
            _("The file is damaged or truncated: only %(decoded).0f of %(declared).0f seconds could be decoded.")
            % {"decoded": decoded, "declared": declared}
        )
    return info


# Containers a browser's MediaRecorder writes as a live stream: no duration, no seek index (Matroska
# Cues), so players show an endless scrubber and seek by guessing.
_STREAMED_FORMATS = ("matroska", "webm", "ogg")
_WEBM_CODECS = {"opus", "vorbis", "vp8", "vp9", "av1"}
_CUES_ID = b"\x1c\x53\xbb\x6b"  # the EBML id of Matroska's Cues, also listed in the SeekHead at the start
_CUES_SEARCH_HEAD = 64 * 1024
_CUES_SEARCH_TAIL = 4 * 1024 * 1024


def needs_seek_index(path):
    """Whether a file is a streamed browser recording that lacks a duration or (Matroska) a Cues index.
    Files in any other container are never rewritten."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            names = set(container.format.name.split(","))
            if not names & set(_STREAMED_FORMATS):
                return False
            if not container.duration:
                return True
            return "ogg" not in names and not _has_cues(path)
    except (av.error.FFmpegError, OSError):
        return False


def _has_cues(path):
    with open(path, "rb") as handle:
        head = handle.read(_CUES_SEARCH_HEAD)
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - _CUES_SEARCH_TAIL))
        tail = handle.read()
    return _CUES_ID in head or _CUES_ID in tail


def remux_with_seek_index(source, target):
    """Copy every audio/video packet of `source` into `target` without re-encoding; FFmpeg's Matroska
    muxer writes the duration and the Cues when it closes a seekable file. Raises MediaError on failure."""
    import av

    try:
        with av.open(str(source), metadata_errors="ignore") as inp:
            streams = [s for s in inp.streams if s.type in ("audio", "video")]
            names = set(inp.format.name.split(","))
            if "ogg" in names:
                output_format = "ogg"
            elif all(s.codec_context.name in _WEBM_CODECS for s in streams):
                output_format = "webm"
            else:
                output_format = "matroska"
            with av.open(str(target), "w", format=output_format) as out:
                copies = {s.index: out.add_stream_from_template(s) for s in streams}
                for packet in inp.demux(*streams):
                    if packet.dts is None:  # the demuxer's empty flush packet
                        continue
                    packet.stream = copies[packet.stream.index]
                    out.mux(packet)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        # strerror, not str(exc): the latter names the server-side temporary paths.
        raise MediaError(getattr(exc, "strerror", None) or exc.__class__.__name__) from exc
