"""meetings.recordings.media.probe on real files made in the test: what it accepts, what it refuses, and that
its messages are fit to show a user."""

import wave

import pytest
from django.utils import translation

from meetings.recordings.media import MediaError, probe
from tests.support.audio import ffmpeg_convert, write_tone_wav


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def tone10(tmp_path):
    return write_tone_wav(tmp_path / "tone10.wav", seconds=10)


@pytest.mark.parametrize(
    ("ext", "args", "codec"),
    [
        ("wav", [], "pcm_s16le"),
        ("mp3", ["-b:a", "64k"], "mp3"),
        ("m4a", ["-c:a", "aac"], "aac"),
        ("flac", [], "flac"),
        ("ogg", ["-c:a", "libopus"], "opus"),
        ("webm", ["-c:a", "libopus"], "opus"),
    ],
)
def test_probe_reads_duration_and_codec(ext, args, codec, tmp_path, tone_wav):
    path = tone_wav if ext == "wav" else ffmpeg_convert(tone_wav, tmp_path / f"x.{ext}", *args)
    for decode_seconds in (None, 5):
        info = probe(path, decode_seconds=decode_seconds)
        assert info.duration == pytest.approx(2.0, abs=0.1)
        assert info.audio_codec.startswith(codec)
        assert info.has_video is False
        assert info.channels == 1


def test_probe_quick_check_stops_early_and_reports_declared_length(tone10):
    info = probe(tone10, decode_seconds=1)
    assert info.duration == pytest.approx(10.0, abs=0.01)


def test_probe_video_with_audio(tmp_path, tone_wav):
    video = ffmpeg_convert(tone_wav, tmp_path / "v.mp4", "-f", "lavfi", "-i", "color=c=blue:s=32x32:r=5",
                           "-map", "1:v", "-map", "0:a", "-c:v", "mpeg4", "-c:a", "aac", "-shortest")  # fmt: skip
    info = probe(video)
    assert info.has_video is True
    assert info.duration == pytest.approx(2.0, abs=0.15)


def test_probe_video_without_audio_is_refused(tmp_path, tone_wav):
    video = ffmpeg_convert(tone_wav, tmp_path / "silent.mp4", "-f", "lavfi", "-i", "color=c=blue:s=32x32:r=5:d=1",
                           "-map", "1:v", "-c:v", "mpeg4")  # fmt: skip
    with pytest.raises(MediaError, match="no audio track"):
        probe(video)


def test_probe_refuses_text_without_leaking_the_path(tmp_path):
    path = tmp_path / "secret-server-dir" / "notes.mp3"
    path.parent.mkdir()
    path.write_text("not audio at all\n" * 100)
    with pytest.raises(MediaError) as caught:
        probe(path)
    assert "not audio or video that can be read" in str(caught.value)
    assert "secret-server-dir" not in str(caught.value)


def test_probe_refuses_wav_without_samples(tmp_path):
    path = tmp_path / "zero.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"")
    with pytest.raises(MediaError, match="no audio that can be decoded"):
        probe(path, decode_seconds=5)


@pytest.mark.parametrize(("ext", "args"), [("mp3", ["-b:a", "64k"]), ("flac", []), ("webm", ["-c:a", "libopus"])])
def test_quick_probe_catches_a_file_cut_in_the_middle(ext, args, tmp_path, tone10):
    """A 10 s recording cut to 30 %: the quick check reaches the end early and says so."""
    full = ffmpeg_convert(tone10, tmp_path / f"full.{ext}", *args)
    cut = tmp_path / f"cut.{ext}"
    data = full.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.3)])
    for decode_seconds in (5, None):
        with pytest.raises(MediaError, match="damaged or truncated"):
            probe(cut, decode_seconds=decode_seconds)


def test_probe_of_first_bytes_only(tmp_path, tone_mp3):
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(tone_mp3.read_bytes()[:300])
    with pytest.raises(MediaError):
        probe(cut, decode_seconds=5)
