"""CPU and GPU queues by cluster name: with GPU_CLUSTER_NAME set, speech jobs wait in that
cluster's queue and only a worker started with Q_CLUSTER_NAME=<it> takes them; minutes jobs stay
on the default queue."""

import pytest
from django.utils import timezone
from django_q.models import Task
from django_q.tasks import async_task

from meetings import services
from meetings.models import Job, JobState
from meetings.processing import services as processing_services
from meetings.recordings import services as recording_services
from tests.support.audio import write_tone_wav
from tests.support.uploads import uploaded
from tests.support.worker import start_worker, stop_worker, wait_for, wait_for_job


@pytest.fixture
def broker(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # queue through the ORM broker, as production does
    return Conf


def queued_keys():
    from django_q.models import OrmQ

    return sorted(OrmQ.objects.values_list("key", flat=True))


@pytest.mark.django_db
def test_speech_jobs_go_to_the_gpu_queue_and_minutes_stay_on_the_default(
    org, owner, settings, broker, django_capture_on_commit_callbacks
):
    settings.GPU_CLUSTER_NAME = "gpu"
    meeting = services.create_meeting(org, owner, title="queues", held_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        processing_services.queue_processing(meeting, kind="process")
        processing_services.queue_processing(meeting, kind="minutes")
    assert queued_keys() == sorted(["gpu", broker.CLUSTER_NAME])


@pytest.mark.django_db
def test_without_a_gpu_cluster_everything_uses_the_default_queue(
    org, owner, settings, broker, django_capture_on_commit_callbacks
):
    settings.GPU_CLUSTER_NAME = ""
    meeting = services.create_meeting(org, owner, title="queues", held_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        processing_services.queue_processing(meeting, kind="process")
        processing_services.queue_processing(meeting, kind="minutes")
    assert queued_keys() == [broker.CLUSTER_NAME, broker.CLUSTER_NAME]


@pytest.mark.django_db(transaction=True)
def test_only_a_worker_of_the_gpu_cluster_takes_a_speech_job(org, owner, settings, broker, tmp_path, media_root):
    settings.GPU_CLUSTER_NAME = "gpu"
    meeting = services.create_meeting(org, owner, title="gpu", held_at=timezone.now())
    _recording, _job = recording_services.attach_recording(
        meeting, uploaded(write_tone_wav(tmp_path / "t.wav", 1.0)), owner
    )
    job = processing_services.queue_processing(meeting, kind="probe")  # the cheapest speech-queue job
    Job.objects.filter(pk=_job.pk).update(state=JobState.FAILED)  # keep the test to the probe job

    # A task queued on the default queue after the speech job: once the CPU worker has done it, that worker
    # has polled the broker with the speech job already waiting, and left it there.
    marker = async_task("math.floor", 2.5, cluster="default")
    cpu = start_worker(media_root, Q_CLUSTER_NAME="default")
    try:
        done = wait_for(lambda: Task.objects.filter(id=marker).first(), timeout=300, worker=cpu)
        job.refresh_from_db()
    finally:
        cpu_output = stop_worker(cpu)
    assert done.result == 2, cpu_output
    assert job.state == JobState.QUEUED, cpu_output

    gpu = start_worker(media_root, Q_CLUSTER_NAME="gpu")
    try:
        job = wait_for_job(job, (JobState.DONE, JobState.FAILED), timeout=300, worker=gpu)
    finally:
        output = stop_worker(gpu)
    assert job.state == JobState.DONE, (job.reason, output)
