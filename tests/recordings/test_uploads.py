"""Uploading recordings through the meeting page: the happy path, every kind of bad file, and formats."""

import wave
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Job, JobState, Meeting, MeetingStatus, Recording
from tests.support.audio import ffmpeg_convert, write_tone_wav
from tests.support.browser import open_page
from tests.support.uploads import XHR, upload_file


def stored_files(media_root):
    root = Path(media_root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def english(settings):
    # Assertions read the English messages; the default language (Korean) gets its .po later.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(org, owner):
    return services.create_meeting(org, owner, title="주간 회의", held_at=timezone.now())


@pytest.fixture
def other_meeting(org, owner):
    return services.create_meeting(org, owner, title="Second meeting", held_at=timezone.now())


def assert_nothing_stored(meeting, media_root, upload_tmp):
    assert not Recording.objects.filter(meeting=meeting).exists()
    assert not Job.objects.filter(meeting=meeting).exists()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.NEW
    assert stored_files(media_root) == []
    assert list(upload_tmp.iterdir()) == []


# --- happy path -------------------------------------------------------------------------------


def test_upload_through_page_processes_the_recording(
    owner_client, meeting, tone_wav, media_root, upload_tmp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_file(owner_client, meeting, tone_wav, name="회의 녹음.wav")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ok"] is True
    assert body["redirect"] == reverse("meetings:detail", args=[meeting.pk])

    recording = Recording.objects.get(meeting=meeting)
    assert recording.original_name == "회의 녹음.wav"
    assert recording.size == tone_wav.stat().st_size
    assert recording.duration == pytest.approx(2.0, abs=0.01)
    assert len(recording.sha256) == 64
    stored = Path(media_root) / recording.file.name
    assert stored.read_bytes() == tone_wav.read_bytes()
    job = Job.objects.get(meeting=meeting)
    assert job.state == JobState.DONE and job.percent == 100
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.READY
    assert list(upload_tmp.iterdir()) == []

    page = owner_client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert reverse("meetings:audio", args=[meeting.pk]) in page.content.decode()
    assert "회의 녹음.wav" in page.content.decode()
    assert 'id="upload-form"' not in page.content.decode()


def test_member_can_upload_with_plain_form_post(member_client, meeting, tone_mp3, django_capture_on_commit_callbacks):
    url = reverse("meetings:upload", args=[meeting.pk])
    with django_capture_on_commit_callbacks(execute=True), open(tone_mp3, "rb") as handle:
        response = member_client.post(url, {"file": handle}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("meetings:detail", args=[meeting.pk])
    assert "The recording was uploaded" in response.content.decode()
    recording = meeting._meta.model.objects.get(pk=meeting.pk).recording
    assert recording.original_name == "tone.mp3"
    assert recording.duration == pytest.approx(2.0, abs=0.1)
    assert Job.objects.get(meeting=meeting).state == JobState.DONE


def test_create_meeting_with_recording_in_one_go(owner_client, org, tone_wav, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), open(tone_wav, "rb") as handle:
        response = owner_client.post(
            reverse("meetings:create"),
            {"title": "One go", "held_at": "2025-03-04T10:30", "language": "ko", "recording": handle},
        )
    meeting = Meeting.objects.get(title="One go")
    assert response.status_code == 302
    assert meeting.recording.duration == pytest.approx(2.0, abs=0.01)
    assert meeting.jobs.get().state == JobState.DONE


# --- bad uploads ------------------------------------------------------------------------------


def zero_length_wav(path):
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"")
    return path


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("empty", "empty", "The file is empty."),
        ("text", "invalid_media", "not audio or video that can be read"),
        ("truncated", "invalid_media", "not audio or video that can be read"),
        ("zero_audio", "invalid_media", "no audio that can be decoded"),
        ("image", "invalid_media", "no audio track"),
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing(
    case, code, message, owner_client, meeting, tone_mp3, tmp_path, media_root, upload_tmp
):
    if case == "empty":
        content, name = b"", "empty.wav"
    elif case == "text":
        content, name = ("회의록이 아니라 그냥 텍스트입니다.\n" * 50).encode(), "notes.mp3"
    elif case == "truncated":
        content, name = tone_mp3.read_bytes()[:300], "cut.mp3"
    elif case == "zero_audio":
        content, name = zero_length_wav(tmp_path / "zero.wav").read_bytes(), "zero.wav"
    else:
        png = ffmpeg_convert(write_tone_wav(tmp_path / "x.wav"), tmp_path / "still.png", "-f", "lavfi", "-i",
                             "color=c=red:s=16x16", "-map", "1:v", "-frames:v", "1")  # fmt: skip
        content, name = png.read_bytes(), "picture.wav"

    response = upload_file(owner_client, meeting, content, name=name, content_type="audio/mpeg")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert message in body["error"]
    assert str(upload_tmp) not in body["error"] and "/tmp" not in body["error"]
    assert_nothing_stored(meeting, media_root, upload_tmp)


def test_bad_upload_without_javascript_shows_the_message(owner_client, meeting, media_root, upload_tmp):
    response = upload_file(owner_client, meeting, b"just text", name="notes.mp3", xhr=False)
    assert response.status_code == 302
    page = owner_client.get(response["Location"])
    assert "not audio or video that can be read" in page.content.decode()
    assert_nothing_stored(meeting, media_root, upload_tmp)


def test_missing_file_is_reported(owner_client, meeting):
    response = owner_client.post(reverse("meetings:upload", args=[meeting.pk]), {}, headers=XHR)
    assert response.status_code == 400
    assert response.json()["code"] == "missing"


def test_over_the_limit_refused_by_content_length(settings, owner_client, meeting, tmp_path, media_root, upload_tmp):
    settings.MAX_UPLOAD_SIZE = 1000
    big = write_tone_wav(tmp_path / "long.wav", seconds=10)  # 320 kB: past the limit plus envelope room
    response = upload_file(owner_client, meeting, big)
    assert response.status_code == 413
    assert response.json() == {
        "error": "The file is larger than the upload limit (1000\xa0bytes).",
        "code": "too_large",
    }
    assert_nothing_stored(meeting, media_root, upload_tmp)


def test_over_the_limit_refused_while_streaming(settings, owner_client, meeting, tone_wav, media_root, upload_tmp):
    # Just over the limit: the Content-Length check lets it through, the upload handler stops it.
    settings.MAX_UPLOAD_SIZE = tone_wav.stat().st_size - 10
    response = upload_file(owner_client, meeting, tone_wav)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert_nothing_stored(meeting, media_root, upload_tmp)


def test_over_the_limit_without_javascript(settings, owner_client, meeting, tone_wav, media_root, upload_tmp):
    settings.MAX_UPLOAD_SIZE = 100
    response = upload_file(owner_client, meeting, tone_wav, xhr=False)
    assert response.status_code == 302
    page = owner_client.get(response["Location"]).content.decode()
    assert "larger than the upload limit" in page
    assert_nothing_stored(meeting, media_root, upload_tmp)


def test_file_at_the_limit_is_accepted(settings, owner_client, meeting, tone_wav, django_capture_on_commit_callbacks):
    settings.MAX_UPLOAD_SIZE = tone_wav.stat().st_size
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_file(owner_client, meeting, tone_wav)
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("sent_name", "shown_name"),
    [
        ("../../etc/passwd.wav", "passwd.wav"),
        ("..\\..\\windows\\system.ini.wav", "system.ini.wav"),
        ("/absolute/path/녹음.wav", "녹음.wav"),
        (".hidden.wav", "hidden.wav"),
        ("회의\u202egnp.wav", "회의gnp.wav"),  # right-to-left override removed
        ("\u1112\u1161\u11ab\u1100\u1173\u11af.wav", "한글.wav"),  # NFD (as macOS sends) -> NFC
        ("tab\tand\x07bell.wav", "tabandbell.wav"),
        ("😀 emoji 회의.wav", "😀 emoji 회의.wav"),
    ],
)
def test_odd_file_names_are_stored_safely(
    sent_name, shown_name, owner_client, meeting, tone_wav, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_file(owner_client, meeting, tone_wav, name=sent_name)
    assert response.status_code == 201, response.content
    recording = Recording.objects.get(meeting=meeting)
    assert recording.original_name == shown_name
    stored = (Path(media_root) / recording.file.name).resolve()
    assert stored.is_relative_to(Path(media_root).resolve() / "recordings" / f"org-{meeting.organization_id}")
    assert stored.suffix == ".wav"
    assert stored.read_bytes() == tone_wav.read_bytes()
    assert [p.resolve() for p in stored_files(media_root)] == [stored]
    page = owner_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert shown_name.replace("&", "&amp;") in page


def test_duplicate_upload_is_detected_by_hash(
    owner_client, meeting, other_meeting, tone_wav, tmp_path, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_file(owner_client, meeting, tone_wav).status_code == 201
    files_before = stored_files(media_root)
    renamed = tmp_path / "renamed-copy.wav"
    renamed.write_bytes(tone_wav.read_bytes())

    response = upload_file(owner_client, other_meeting, renamed)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate"
    assert "주간 회의" in body["error"]
    assert body["existing_url"] == reverse("meetings:detail", args=[meeting.pk])
    assert not Recording.objects.filter(meeting=other_meeting).exists()
    assert stored_files(media_root) == files_before

    # Without JavaScript the message carries a link to the meeting that has the file.
    response = upload_file(owner_client, other_meeting, renamed, xhr=False)
    page = owner_client.get(response["Location"]).content.decode()
    assert f'<a href="{reverse("meetings:detail", args=[meeting.pk])}">' in page


def test_same_file_in_another_organization_is_not_a_duplicate(
    owner_client, outsider_client, meeting, outsider, other_org, tone_wav, django_capture_on_commit_callbacks
):
    theirs = services.create_meeting(other_org, outsider, title="Theirs", held_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_file(owner_client, meeting, tone_wav).status_code == 201
        response = upload_file(outsider_client, theirs, tone_wav)
    assert response.status_code == 201
    assert "주간 회의" not in response.content.decode()


def test_second_recording_for_a_meeting_is_refused(owner_client, meeting, tone_wav, tone_mp3, media_root):
    assert upload_file(owner_client, meeting, tone_wav).status_code == 201
    response = upload_file(owner_client, meeting, tone_mp3)
    assert response.status_code == 409
    assert response.json()["code"] == "exists"
    assert len(stored_files(media_root)) == 1


def test_outsider_cannot_upload(outsider_client, meeting, tone_wav, media_root):
    response = upload_file(outsider_client, meeting, tone_wav)
    assert response.status_code == 404
    assert not Recording.objects.exists()
    assert stored_files(media_root) == []


def test_upload_requires_login(client, meeting, tone_wav):
    response = upload_file(client, meeting, tone_wav, xhr=False)
    assert response.status_code == 302
    assert not Recording.objects.exists()


def test_upload_checks_csrf(owner, meeting, tone_wav):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = upload_file(client, meeting, tone_wav)
    assert response.status_code == 403
    assert not Recording.objects.exists()


# --- formats ----------------------------------------------------------------------------------

FORMATS = {
    "wav": ("audio/wav", []),
    "mp3": ("audio/mpeg", ["-c:a", "libmp3lame", "-b:a", "64k"]),
    "m4a": ("audio/mp4", ["-c:a", "aac", "-b:a", "64k"]),
    "flac": ("audio/flac", ["-c:a", "flac"]),
    "ogg": ("audio/ogg", ["-c:a", "libopus", "-b:a", "32k"]),
    "webm": ("audio/webm", ["-c:a", "libopus", "-b:a", "32k"]),
    "mp4": (
        "video/mp4",
        [
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:s=64x64:r=10",
            "-map",
            "1:v",
            "-map",
            "0:a",
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            "-shortest",
        ],
    ),  # fmt: skip
    "mov": (
        "video/quicktime",
        [
            "-f",
            "lavfi",
            "-i",
            "color=c=green:s=64x64:r=10",
            "-map",
            "1:v",
            "-map",
            "0:a",
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            "-shortest",
        ],
    ),  # fmt: skip
}


def test_every_common_format_is_accepted(
    owner_client, org, owner, tone_wav, tmp_path, django_capture_on_commit_callbacks
):
    for ext, (content_type, args) in FORMATS.items():
        source = tone_wav if ext == "wav" else ffmpeg_convert(tone_wav, tmp_path / f"tone.{ext}", *args)
        meeting = services.create_meeting(org, owner, title=f"format {ext}", held_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            response = upload_file(owner_client, meeting, source, name=f"meeting.{ext}", content_type=content_type)
        assert response.status_code == 201, (ext, response.content)
        recording = Recording.objects.get(meeting=meeting)
        assert recording.duration == pytest.approx(2.0, abs=0.15), ext
        assert recording.media_info["has_video"] is (ext in ("mp4", "mov")), ext
        assert meeting.jobs.get().state == JobState.DONE, ext
        audio = owner_client.get(reverse("meetings:audio", args=[meeting.pk]))
        assert audio["Content-Type"] == content_type
        assert b"".join(audio.streaming_content) == source.read_bytes()


def test_file_name_does_not_decide_the_format(owner_client, meeting, tone_mp3, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_file(owner_client, meeting, tone_mp3, name="actually-mp3.wav", content_type="text/plain")
    assert response.status_code == 201
    recording = Recording.objects.get(meeting=meeting)
    assert recording.media_info["container"] == "mp3"
    audio = owner_client.get(reverse("meetings:audio", args=[meeting.pk]))
    assert audio["Content-Type"] == "audio/x-wav"  # from the stored name, never the declared text/plain


# --- the upload widget in a real browser ------------------------------------------------------


@pytest.fixture
def browser_page(browser, live_server, owner):
    return open_page(browser, live_server, owner, bypass_csp=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_widget_reports_errors_in_place(live_server, browser_page, settings, org, owner, tmp_path):
    page = browser_page
    settings.MAX_UPLOAD_SIZE = 200_000
    meeting = services.create_meeting(org, owner, title="Browser upload", held_at=timezone.now())
    page.goto(f"{live_server.url}{reverse('meetings:detail', args=[meeting.pk])}")
    error = page.locator(".upload-error")

    # Over the limit: refused in the browser before anything is sent.
    page.set_input_files("#upload-file", str(write_tone_wav(tmp_path / "long.wav", seconds=10)))
    error.wait_for(state="visible")
    assert "larger than the upload limit (195.3\xa0KB)" in error.inner_text()

    # Not audio: the server refuses it and the message appears in place, the page stays.
    fake = tmp_path / "notes.mp3"
    fake.write_text("not audio at all\n" * 200)
    page.set_input_files("#upload-file", str(fake))
    page.wait_for_function(
        "document.querySelector('.upload-error').textContent.includes('not audio or video that can be read')"
    )
    assert page.locator("#upload-file").is_enabled()
    assert not Recording.objects.exists()

    # A good file: progress, then the page shows the player and the finished status panel.
    page.set_input_files("#upload-file", str(write_tone_wav(tmp_path / "short.wav", seconds=1)))
    page.wait_for_selector("#job-status[data-state=done]")
    assert page.locator("audio").count() == 1
    assert Recording.objects.get(meeting=meeting).duration == pytest.approx(1.0, abs=0.01)
