"""Browser recordings arrive as a live stream (MediaRecorder's WebM: no duration, no Cues). They are
remuxed on arrival, without re-encoding, so the stored file and the recording's duration are right at
once; any other file is stored byte for byte."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Job, Recording
from tests.support.audio import ffmpeg_convert, write_tone_wav
from tests.support.tools import missing_tool
from tests.support.uploads import upload_file

CUES_ID = b"\x1c\x53\xbb\x6b"


@pytest.fixture
def meeting(org, owner, media_root):
    return services.create_meeting(org, owner, title="브라우저 녹음", held_at=timezone.now())


def ffprobe_duration(path):
    if not shutil.which("ffprobe"):
        missing_tool("ffprobe is not installed (.ci/run installs it)")
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def streamed_webm(path, seconds):
    """A WebM written the way MediaRecorder writes one: to a pipe, so without duration or Cues."""
    if not shutil.which("ffmpeg"):
        missing_tool("ffmpeg is not installed (.ci/run installs it)")
    command = ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    command += ["-c:a", "libopus", "-f", "webm", "pipe:"]
    Path(path).write_bytes(subprocess.run(command, check=True, capture_output=True).stdout)
    return Path(path)


def test_streamed_webm_is_stored_with_its_duration_and_cues(owner_client, meeting, tmp_path, media_root, upload_tmp):
    source = streamed_webm(tmp_path / "recording-20260101-1000.webm", 12)
    assert ffprobe_duration(source) == "N/A" and CUES_ID not in source.read_bytes()

    response = upload_file(owner_client, meeting, source, content_type="audio/webm;codecs=opus")

    assert response.status_code == 201, response.content
    recording = Recording.objects.get(meeting=meeting)
    stored = Path(recording.file.path)
    assert abs(float(ffprobe_duration(stored)) - 12) < 0.2
    assert CUES_ID in stored.read_bytes()
    # Right before any processing has run (the probe at upload decodes only the first seconds).
    assert abs(recording.duration - 12) < 0.2
    assert recording.size == stored.stat().st_size
    assert recording.original_name == source.name
    assert "cues written" in Job.objects.get(meeting=meeting).log
    assert list(upload_tmp.iterdir()) == []


def test_the_same_streamed_file_twice_is_still_a_duplicate(owner_client, org, owner, meeting, tmp_path):
    source = streamed_webm(tmp_path / "a.webm", 3)
    assert upload_file(owner_client, meeting, source).status_code == 201
    second = services.create_meeting(org, owner, title="다시", held_at=timezone.now())
    response = upload_file(owner_client, second, source)
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"


def test_wav_is_stored_byte_for_byte(owner_client, meeting, tmp_path):
    source = write_tone_wav(tmp_path / "tone.wav", seconds=3)
    assert upload_file(owner_client, meeting, source).status_code == 201
    recording = Recording.objects.get(meeting=meeting)
    assert Path(recording.file.path).read_bytes() == source.read_bytes()
    assert "seek index" not in Job.objects.get(meeting=meeting).log


def test_webm_that_already_has_cues_is_untouched(owner_client, meeting, tmp_path):
    source = ffmpeg_convert(write_tone_wav(tmp_path / "tone.wav", seconds=3), tmp_path / "tone.webm", "-c:a", "libopus")
    assert CUES_ID in source.read_bytes()
    assert upload_file(owner_client, meeting, source, content_type="audio/webm").status_code == 201
    assert Path(Recording.objects.get(meeting=meeting).file.path).read_bytes() == source.read_bytes()


def test_a_webm_the_remux_fails_on_is_kept_as_uploaded(owner_client, meeting, tmp_path, upload_tmp):
    # Two live streams back to back: decodable, but the second one's timestamps start again at zero,
    # which a muxer refuses.
    stream = streamed_webm(tmp_path / "part.webm", 6).read_bytes()
    source = tmp_path / "joined.webm"
    source.write_bytes(stream + stream)

    response = upload_file(owner_client, meeting, source, content_type="audio/webm")

    assert response.status_code == 201, response.content
    recording = Recording.objects.get(meeting=meeting)
    assert Path(recording.file.path).read_bytes() == source.read_bytes()
    log = Job.objects.get(meeting=meeting).log
    assert "remux failed" in log and str(upload_tmp) not in log
    assert list(upload_tmp.iterdir()) == []
