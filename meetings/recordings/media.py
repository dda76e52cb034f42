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
