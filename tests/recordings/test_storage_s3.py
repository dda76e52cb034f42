"""Recordings in an S3-compatible object store: moto in server mode on 127.0.0.1 is the peer, spoken
to over real HTTP by boto3 through django-storages. Upload (multipart), playback (streamed with
Range, or a signed URL), permission checks, deletion, and a store that is down."""

import os
import subprocess
import sys
import uuid
import wave
from pathlib import Path

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Recording
from meetings.recordings import services as recording_services
from tests.support.audio import write_tone_wav
from tests.support.ports import free_port
from tests.support.s3 import keys, object_storage_setting, s3_client, s3_env
from tests.support.uploads import upload_file


@pytest.fixture
def bucket(moto_endpoint, settings):
    """A fresh bucket, made the default storage of this process."""
    name = f"nexochat-{uuid.uuid4().hex[:12]}"
    s3_client(moto_endpoint).create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, "default": object_storage_setting(moto_endpoint, name)}
    return name


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(org, owner):
    return services.create_meeting(org, owner, title="S3 회의", held_at=timezone.now())


def long_wav(path, seconds):
    """A WAV of `seconds` of low noise, written in blocks (big enough for a multipart upload)."""
    import numpy as np

    rng = np.random.default_rng(1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        for _ in range(int(seconds)):
            out.writeframes((rng.standard_normal(16000) * 300).astype("<i2").tobytes())
    return Path(path)


def test_upload_goes_to_the_bucket_in_parts_and_nothing_to_media_root(
    owner_client, meeting, moto_endpoint, bucket, media_root, tmp_path
):
    source = long_wav(tmp_path / "long.wav", 400)  # 12.8 MB: three 5 MB parts
    response = upload_file(owner_client, meeting, source)
    assert response.status_code == 201, response.content
    recording = Recording.objects.get(meeting=meeting)
    assert recording.file.name.startswith(f"recordings/org-{meeting.organization_id}/")
    assert keys(moto_endpoint, bucket) == [f"nexochat/{recording.file.name}"]
    head = s3_client(moto_endpoint).head_object(Bucket=bucket, Key=f"nexochat/{recording.file.name}")
    assert head["ContentLength"] == source.stat().st_size
    assert head["ETag"].strip('"').endswith("-3")  # a multipart upload's ETag names its part count
    assert not any(Path(media_root).rglob("*.wav")) if Path(media_root).exists() else True


def test_player_streams_ranges_from_the_object_store(owner_client, meeting, moto_endpoint, bucket, tmp_path):
    source = write_tone_wav(tmp_path / "tone.wav", 3.0)
    assert upload_file(owner_client, meeting, source).status_code == 201
    data = source.read_bytes()
    url = reverse("meetings:audio", args=[meeting.pk])

    whole = owner_client.get(url)
    assert whole.status_code == 200
    assert whole["Content-Length"] == str(len(data))
    assert b"".join(whole.streaming_content) == data

    part = owner_client.get(url, headers={"range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert b"".join(part.streaming_content) == data[1000:2000]

    tail = owner_client.get(url, headers={"range": "bytes=-100"})
    assert b"".join(tail.streaming_content) == data[-100:]

    assert owner_client.get(url, headers={"range": f"bytes={len(data)}-"}).status_code == 416

    api = owner_client.get(f"/api/v1/meetings/{meeting.pk}/recording/file/", headers={"range": "bytes=0-9"})
    assert api.status_code == 206
    assert b"".join(api.streaming_content) == data[:10]


def test_outsider_gets_neither_bytes_nor_a_signed_url(
    outsider_client, owner_client, meeting, bucket, settings, tmp_path
):
    assert upload_file(owner_client, meeting, write_tone_wav(tmp_path / "t.wav", 1.0)).status_code == 201
    for signed in (False, True):
        settings.RECORDING_SIGNED_URLS = signed
        response = outsider_client.get(reverse("meetings:audio", args=[meeting.pk]))
        assert response.status_code == 404
        assert "Location" not in response
        assert b"RIFF" not in response.content


def test_signed_url_mode_redirects_to_a_short_lived_url_that_serves_ranges(
    owner_client, meeting, moto_endpoint, bucket, settings, tmp_path
):
    settings.RECORDING_SIGNED_URLS = True
    settings.RECORDING_URL_TTL = 120
    source = write_tone_wav(tmp_path / "tone.wav", 2.0)
    assert upload_file(owner_client, meeting, source, name="회의 녹음.wav").status_code == 201
    response = owner_client.get(reverse("meetings:audio", args=[meeting.pk]))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{moto_endpoint}/{bucket}/nexochat/recordings/")
    assert "X-Amz-Expires=120" in location and "X-Amz-Signature=" in location
    assert response["Cache-Control"] == "private, no-store"

    fetched = httpx.get(location, headers={"Range": "bytes=0-43"})
    assert fetched.status_code == 206
    assert fetched.content == source.read_bytes()[:44]
    assert fetched.headers["content-type"] == "audio/wav"
    # moto does not check signatures, so an expired or tampered URL is not tested here.


def test_deleting_the_meeting_removes_the_object(
    owner_client, meeting, moto_endpoint, bucket, tmp_path, django_capture_on_commit_callbacks
):
    assert upload_file(owner_client, meeting, write_tone_wav(tmp_path / "t.wav", 1.0)).status_code == 201
    assert len(keys(moto_endpoint, bucket)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_meeting(meeting)
    assert keys(moto_endpoint, bucket) == []


def test_missing_object_is_a_404_not_a_500(owner_client, meeting, moto_endpoint, bucket, tmp_path):
    assert upload_file(owner_client, meeting, write_tone_wav(tmp_path / "t.wav", 1.0)).status_code == 201
    s3_client(moto_endpoint).delete_object(Bucket=bucket, Key=keys(moto_endpoint, bucket)[0])
    assert owner_client.get(reverse("meetings:audio", args=[meeting.pk])).status_code == 404


def test_store_down_refuses_the_upload_cleanly(owner_client, meeting, settings, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    storage = object_storage_setting(dead, "nowhere")
    from botocore.config import Config

    storage["OPTIONS"]["client_config"] = Config(connect_timeout=1, retries={"max_attempts": 1})
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    upload_tmp = tmp_path / "upload-tmp"
    upload_tmp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(upload_tmp)
    response = upload_file(owner_client, meeting, write_tone_wav(tmp_path / "t.wav", 1.0))
    assert response.status_code == 503
    assert response.json()["code"] == "storage_unavailable"
    assert not Recording.objects.filter(meeting=meeting).exists()
    assert list(upload_tmp.iterdir()) == []


def test_worker_copies_the_object_to_its_own_scratch_dir(meeting, owner, moto_endpoint, bucket, tmp_path):
    from meetings.processing.stages import JobContext
    from tests.support.uploads import uploaded

    source = write_tone_wav(tmp_path / "t.wav", 1.0)
    recording, job = recording_services.attach_recording(meeting, uploaded(source), owner)
    workdir = tmp_path / "scratch"
    workdir.mkdir()
    context = JobContext(job=job, meeting=meeting, recording=recording, workdir=workdir)
    local = context.local_recording_path()
    assert local.parent == workdir
    assert local.read_bytes() == source.read_bytes()


def test_settings_build_the_s3_backend_from_env(moto_endpoint):
    env = {
        **os.environ,
        **s3_env(moto_endpoint, "some-bucket", prefix="/tenant-a/"),
        "DJANGO_SETTINGS_MODULE": "nexochat.settings",
        "SECRET_KEY": "x" * 50,
    }
    code = (
        "from django.conf import settings as s; o = s.STORAGES['default']['OPTIONS'];"
        "print(s.STORAGES['default']['BACKEND'], o['bucket_name'], o['location'], o['endpoint_url'])"
    )
    out = subprocess.run([sys.executable, "-c", "import django; django.setup();" + code], env=env, capture_output=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().split() == ["nexochat.storage.ObjectStorage", "some-bucket", "tenant-a", moto_endpoint]
    env["S3_BUCKET"] = ""
    out = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True)
    assert out.returncode != 0 and b"S3_BUCKET" in out.stderr
