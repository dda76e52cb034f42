"""Recording upload through the API: a real audio file processed by the (inline) worker, and the
refusals (empty, not audio, truncated, too big, duplicate), each leaving nothing behind."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Role
from meetings import services
from meetings.models import Job, JobState, Meeting, MeetingStatus, Recording
from tests.support.audio import write_tone_wav


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


@pytest.fixture
def meeting(org, member):
    return services.create_meeting(org, member, title="녹음 회의", held_at=timezone.now() - timedelta(hours=1))


@pytest.fixture
def other_meeting(org, member):
    return services.create_meeting(org, member, title="다른 회의", held_at=timezone.now() - timedelta(hours=2))


def upload(api, meeting, path, name=None):
    with open(path, "rb") as handle:
        if name:
            handle = SimpleUploadedFile(name, handle.read(), content_type="application/octet-stream")
        return api.post(f"/api/v1/meetings/{meeting.pk}/recording/", {"file": handle}, format="multipart")


def stored_files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def assert_nothing_left(meeting, media_root):
    assert not Recording.objects.filter(meeting=meeting).exists()
    assert not Job.objects.filter(meeting=meeting).exists()
    assert stored_files(media_root) == []
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.NEW


def test_upload_a_real_wav_and_the_job_runs_to_done(
    meeting, member, tone_wav, media_root, django_capture_on_commit_callbacks
):
    api = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, meeting, tone_wav)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["recording"]["original_name"] == "tone.wav"
    assert data["recording"]["size"] == tone_wav.stat().st_size
    assert data["recording"]["duration"] == pytest.approx(2.0, abs=0.05)
    assert data["recording"]["media_info"]["sample_rate"] == 16000
    assert len(stored_files(media_root)) == 1

    job = api.get(f"/api/v1/jobs/{data['job']['id']}/").json()
    assert job["state"] == "done"
    assert job["percent"] == 100
    assert job["attempts"] == 1
    assert "probe" in job["timings"]
    assert job["started_at"] and job["finished_at"] and job["created_at"]
    assert job["duration"] is not None

    detail = api.get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert detail["status"] == "ready"
    assert detail["recording"]["sha256"] == Recording.objects.get(meeting=meeting).sha256
    assert detail["latest_job"]["id"] == job["id"]
    recording = api.get(f"/api/v1/meetings/{meeting.pk}/recording/").json()
    assert recording["duration"] == pytest.approx(2.0, abs=0.05)
    assert [j["state"] for j in api.get(f"/api/v1/meetings/{meeting.pk}/jobs/").json()] == ["done"]


def test_upload_an_mp3(meeting, member, tone_mp3, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_for(member), meeting, tone_mp3)
    assert response.status_code == 201, response.json()
    assert Job.objects.get(meeting=meeting).state == JobState.DONE
    assert Recording.objects.get(meeting=meeting).duration == pytest.approx(2.0, abs=0.1)


def test_retry_a_done_job_runs_again(meeting, member, tone_wav, django_capture_on_commit_callbacks):
    api = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        first = upload(api, meeting, tone_wav).json()["job"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/jobs/{first}/retry/")
    assert response.status_code == 202
    again = api.get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert again["state"] == "done"


def test_empty_file_is_refused(meeting, member, tmp_path, media_root):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    response = upload(client_for(member), meeting, empty)
    assert response.status_code == 400
    assert response.json()["code"] == "empty"
    assert response.json()["error"]
    assert_nothing_left(meeting, media_root)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"just some text, not audio at all\n" * 50, "notes.mp3"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 100, "broken.wav"),
    ],
)
def test_not_audio_is_refused_whatever_its_name(meeting, member, tmp_path, media_root, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    response = upload(client_for(member), meeting, path)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_media"
    assert_nothing_left(meeting, media_root)


def test_zero_length_audio_is_refused(meeting, member, tmp_path, media_root):
    path = write_tone_wav(tmp_path / "silent.wav", seconds=0.0)
    response = upload(client_for(member), meeting, path)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_media"
    assert_nothing_left(meeting, media_root)


def test_too_big_by_content_length_is_413(meeting, member, tone_wav, settings, media_root):
    settings.MAX_UPLOAD_SIZE = 1000
    response = upload(client_for(member), meeting, tone_wav)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "1000" in response.json()["error"]
    assert_nothing_left(meeting, media_root)


def test_too_big_found_while_streaming_is_413(meeting, member, tmp_path, settings, media_root):
    # Content-Length is within the slack for the multipart envelope, so the upload handler
    # is what notices the file itself is over the limit.
    path = write_tone_wav(tmp_path / "long.wav", seconds=3.0)
    settings.MAX_UPLOAD_SIZE = path.stat().st_size - 20_000
    response = upload(client_for(member), meeting, path)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert_nothing_left(meeting, media_root)


def test_missing_file_field_is_400(meeting, member, media_root):
    response = client_for(member).post(f"/api/v1/meetings/{meeting.pk}/recording/", {"other": "x"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "no_file"
    assert_nothing_left(meeting, media_root)


def test_json_instead_of_multipart_is_415(meeting, member):
    response = client_for(member).post(f"/api/v1/meetings/{meeting.pk}/recording/", {"file": "x"}, format="json")
    assert response.status_code == 415


def test_path_traversal_and_odd_unicode_names_are_cleaned(meeting, member, tone_wav, media_root):
    response = upload(client_for(member), meeting, tone_wav, name="../../etc/회의\u202e\x00녹음.wav")
    assert response.status_code == 201, response.json()
    name = response.json()["recording"]["original_name"]
    assert "/" not in name and ".." not in name and "\u202e" not in name
    (stored,) = stored_files(media_root)
    assert media_root in stored.parents


def test_duplicate_upload_is_409_with_the_existing_meeting(
    meeting, other_meeting, member, tone_wav, media_root, django_capture_on_commit_callbacks
):
    api = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(api, meeting, tone_wav).status_code == 201
    response = upload(api, other_meeting, tone_wav)
    assert response.status_code == 409
    assert response.json() == {
        "detail": response.json()["error"],
        "error": response.json()["error"],
        "code": "duplicate",
        "existing_meeting": meeting.pk,
    }
    assert "녹음 회의" in response.json()["error"]
    assert not Recording.objects.filter(meeting=other_meeting).exists()
    assert len(stored_files(media_root)) == 1


def test_same_file_in_another_organization_is_not_a_duplicate(
    meeting, member, outsider, other_org, tone_wav, django_capture_on_commit_callbacks
):
    theirs = services.create_meeting(other_org, outsider, title="Theirs", held_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client_for(member), meeting, tone_wav).status_code == 201
        response = upload(client_for(outsider), theirs, tone_wav)
    assert response.status_code == 201
    assert "existing_meeting" not in response.json()


def test_second_recording_for_a_meeting_is_409(meeting, member, tone_wav, tmp_path, media_root):
    api = client_for(member)
    assert upload(api, meeting, tone_wav).status_code == 201
    another = write_tone_wav(tmp_path / "another.wav", freq=880.0)
    response = upload(api, meeting, another)
    assert response.status_code == 409
    assert response.json()["code"] == "exists"
    assert len(stored_files(media_root)) == 1


def test_any_member_may_upload_and_an_outsider_gets_404(meeting, make_user, org, outsider, tone_wav, media_root):
    assert upload(client_for(outsider), meeting, tone_wav).status_code == 404
    assert_nothing_left(meeting, media_root)
    colleague = make_user("colleague@example.com", org, Role.MEMBER)
    assert upload(client_for(colleague), meeting, tone_wav).status_code == 201
    assert Recording.objects.get(meeting=meeting).uploaded_by == colleague


def test_deleting_a_meeting_removes_its_file(meeting, member, tone_wav, media_root, django_capture_on_commit_callbacks):
    api = client_for(member)
    assert upload(api, meeting, tone_wav).status_code == 201
    assert len(stored_files(media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/meetings/{meeting.pk}/").status_code == 204
    assert stored_files(media_root) == []
    assert not Meeting.objects.filter(pk=meeting.pk).exists()


def test_download_the_recording_whole_and_by_range(meeting, member, outsider, tone_wav):
    api = client_for(member)
    url = f"/api/v1/meetings/{meeting.pk}/recording/file/"
    missing = api.get(url)
    assert missing.status_code == 404
    assert missing.json()["detail"]
    assert upload(api, meeting, tone_wav).status_code == 201
    whole = api.get(url, HTTP_ACCEPT="audio/*")
    assert whole.status_code == 200
    assert whole["Content-Type"] == "audio/x-wav" or whole["Content-Type"].startswith("audio/")
    assert b"".join(whole.streaming_content) == tone_wav.read_bytes()
    part = api.get(url, HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == tone_wav.read_bytes()[:100]
    assert api.get(url, HTTP_RANGE=f"bytes={10**9}-").status_code == 416
    assert client_for(outsider).get(url).status_code == 404
