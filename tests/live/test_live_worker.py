"""Live text on its own queue, with real `manage.py qcluster` workers sharing the test database: the default
cluster's worker (one process) is busy with the normal processing job of an uploaded 20-minute meeting, and
the live cluster's worker (LIVE_CLUSTER_NAME) transcribes live chunks sent through the API meanwhile. The
live text is read from the API while that batch job is still running: a long batch job never holds live text
up. The workers are stopped once it is seen, the batch job unfinished."""

import wave

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from meetings import services as meeting_services
from meetings.models import JobState
from meetings.recordings import services as recording_services
from tests.support.audio import cut, spoken_sentences
from tests.support.uploads import uploaded
from tests.support.worker import start_worker, stop_worker, wait_for, wait_for_job

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LIVE_SENTENCES = ["Good morning everyone.", "Today we decide the launch date."]
BATCH_SENTENCES = [
    "The finance committee approved the budget for the lighthouse project.",
    "We decided to move the payroll system to the new data center next spring.",
    "Please send the quarterly report to the board before the end of the month.",
]
# Far longer than two busy cores need for the live text (about 15 s): its processing is still in its first
# stages when the text comes.
BATCH_MINUTES = 20


def long_recording(folder, minutes):
    """Spoken sentences (three voices) repeated to `minutes` of audio, in one WAV."""
    once, _seconds = spoken_sentences(folder, BATCH_SENTENCES, voices=("en", "en-us", "en-gb"), target="once.wav")
    with wave.open(str(once)) as source:
        rate = source.getframerate()
        samples = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    total = int(minutes * 60 * rate)
    path = folder / "long-meeting.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.tile(samples, total // samples.size + 1)[:total].tobytes())
    return path


def api_client(user):
    return Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")


def test_live_text_comes_while_a_long_batch_job_holds_the_default_queue(
    org, owner, settings, tmp_path, media_root, monkeypatch
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # queue through the ORM broker, as production does
    settings.LIVE_CLUSTER_NAME = "live"
    settings.GPU_CLUSTER_NAME = ""
    queues = {"LIVE_CLUSTER_NAME": "live", "GPU_CLUSTER_NAME": ""}

    batch_meeting = meeting_services.create_meeting(
        org, owner, title="Long meeting", held_at=timezone.now(), language="en"
    )
    _recording, job = recording_services.attach_recording(
        batch_meeting, uploaded(long_recording(tmp_path, BATCH_MINUTES)), owner
    )
    live_meeting = meeting_services.create_meeting(org, owner, title="Live", held_at=timezone.now(), language="en")
    speech, seconds = spoken_sentences(tmp_path, LIVE_SENTENCES, target="live.wav")
    chunks = cut(speech, tmp_path, 4, int(np.ceil(seconds / 4)), ".webm", ["-c:a", "libopus"])

    default = start_worker(media_root, Q_CLUSTER_NAME="default", **queues)
    live = start_worker(media_root, Q_CLUSTER_NAME="live", **queues)
    try:
        wait_for_job(job, (JobState.RUNNING,), timeout=30, worker=default)
        client = api_client(owner)
        opened = client.post(reverse("api:live-open", args=[live_meeting.pk]))
        assert opened.status_code == 201, opened.content
        session = opened.json()["id"]
        for sequence, chunk in enumerate(chunks):
            sent = client.put(
                reverse("api:live-chunk", args=[session, sequence]), chunk.read_bytes(), content_type="audio/webm"
            )
            assert sent.status_code == 201, sent.content

        def live_text():
            texts = client.get(reverse("api:live-session", args=[session])).json()["texts"]
            said = " ".join(text["text"] for text in texts).lower()
            return said if "morning" in said and "launch" in said else None

        said = wait_for(live_text, timeout=50, worker=live)
        job.refresh_from_db()
        batch = (job.state, job.stage, job.percent)
    finally:
        live_output = stop_worker(live)
        default_output = stop_worker(default, grace=0)  # the batch job has served its purpose unfinished
    assert batch[0] == JobState.RUNNING, (batch, said, default_output)
    assert "Traceback" not in live_output, live_output
