"""A real `manage.py qcluster` worker takes a queued job from the ORM broker and finishes it."""

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Job, JobState
from meetings.recordings import services as recording_services
from tests.support.audio import write_tone_wav
from tests.support.uploads import uploaded
from tests.support.worker import start_worker, stop_worker, wait_for_job


@pytest.mark.django_db(transaction=True)
def test_worker_process_runs_a_queued_job(org, owner, tmp_path, media_root, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # queue through the broker, as production does
    meeting = services.create_meeting(org, owner, title="worker test", held_at=timezone.now())
    recording, job = recording_services.attach_recording(
        meeting, uploaded(write_tone_wav(tmp_path / "w.wav", 2.0)), owner
    )
    assert Job.objects.get(pk=job.pk).state == JobState.QUEUED
    worker = start_worker(media_root)
    try:
        job = wait_for_job(job, (JobState.DONE, JobState.FAILED), worker=worker)
    finally:
        output = stop_worker(worker)
    assert job.state == JobState.DONE, (job.reason, output)
    recording.refresh_from_db()
    assert recording.duration == pytest.approx(2.0, abs=0.05)
