"""The job state machine and the pipeline runner, on real recordings."""

import time
from pathlib import Path

import pytest

from ai_pipeline.pipeline import PipelineContext, PipelineError, ProgressReporter, Stage, run_stages
from meetings import services
from meetings.models import Job, JobState, Meeting, MeetingStatus
from meetings.processing import services as processing_services
from meetings.processing import tasks
from meetings.recordings import services as recording_services
from nexochat.errors import ServiceError
from tests.support.audio import write_tone_wav
from tests.support.uploads import uploaded


@pytest.fixture
def meeting(org, owner):
    from django.utils import timezone

    return services.create_meeting(org, owner, title="주간 회의", held_at=timezone.now(), tags=["주간", "개발"])


@pytest.mark.django_db(transaction=True)
def test_upload_queues_a_job_that_probes_the_recording(meeting, owner, tmp_path):
    recording, job = recording_services.attach_recording(
        meeting, uploaded(write_tone_wav(tmp_path / "a.wav", 3.0)), owner
    )
    job.refresh_from_db()
    recording.refresh_from_db()
    meeting.refresh_from_db()
    assert job.state == JobState.DONE and job.percent == 100 and job.attempts == 1
    assert "probe" in job.timings
    assert recording.duration == pytest.approx(3.0, abs=0.05)
    assert recording.media_info["sample_rate"] == 16000
    assert meeting.status == MeetingStatus.READY


def test_progress_reporter_spreads_percent_over_stage_weights(meeting):
    job = Job.objects.create(meeting=meeting)

    class A(Stage):
        name, weight = "a", 1.0

    class B(Stage):
        name, weight = "b", 3.0

    reporter = ProgressReporter(job, [A(), B()], min_interval=0)
    reporter.start("a")
    reporter(1.0)
    assert (job.stage, job.percent) == ("a", 25)
    reporter.start("b")
    reporter(0.5)
    assert (job.stage, job.percent) == ("b", 62)
    reporter(1.0)
    assert job.percent == 99  # 100 only when the job is marked done


def test_cleanup_runs_for_every_started_stage_even_on_failure(meeting):
    job = Job.objects.create(meeting=meeting)
    cleaned = []

    class Good(Stage):
        name = "good"

        def run(self, context, progress):
            context.data["scratch"] = context.workdir / "x"
            context.data["scratch"].write_text("x")

        def cleanup(self, context):
            cleaned.append(self.name)

    class Bad(Stage):
        name = "bad"

        def run(self, context, progress):
            raise PipelineError("broken on purpose")

        def cleanup(self, context):
            cleaned.append(self.name)

    class Never(Stage):
        name = "never"

        def cleanup(self, context):
            cleaned.append(self.name)

    context = PipelineContext(job=job)
    with pytest.raises(PipelineError):
        run_stages(context, [Good(), Bad(), Never()])
    assert cleaned == ["bad", "good"]
    assert not context.data["scratch"].exists()  # the scratch folder went with the job


@pytest.mark.django_db(transaction=True)
def test_a_job_left_running_by_a_dead_worker_restarts_cleanly(meeting, owner, tmp_path):
    recording, job = recording_services.attach_recording(
        meeting, uploaded(write_tone_wav(tmp_path / "a.wav", 1.0)), owner
    )
    # Simulate the broker redelivering after the worker died mid-job.
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, stage="probe", percent=40)
    assert tasks.run_job(job.pk) == JobState.DONE
    job.refresh_from_db()
    assert job.attempts == 2
    assert "restarting after an interrupted attempt" in job.log
    # A second delivery of a finished job changes nothing.
    assert tasks.run_job(job.pk) == JobState.DONE
    job.refresh_from_db()
    assert job.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_a_recording_damaged_after_upload_fails_with_a_reason_and_can_be_retried(meeting, owner, tmp_path):
    recording, job = recording_services.attach_recording(
        meeting, uploaded(write_tone_wav(tmp_path / "a.wav", 1.0)), owner
    )
    stored = recording.file.path
    good_bytes = Path(stored).read_bytes()
    with open(stored, "wb") as handle:
        handle.write(b"not audio any more")
    retried = processing_services.retry_job(job)
    retried.refresh_from_db()
    assert retried.state == JobState.FAILED
    assert "not audio or video" in retried.reason
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.FAILED
    with open(stored, "wb") as handle:
        handle.write(good_bytes)
    again = processing_services.retry_job(retried)
    again.refresh_from_db()
    assert again.state == JobState.DONE


def test_running_job_cannot_be_retried(meeting):
    job = Job.objects.create(meeting=meeting, state=JobState.RUNNING)
    with pytest.raises(ServiceError) as refused:
        processing_services.retry_job(job)
    assert refused.value.code == "running"


def test_job_for_a_deleted_meeting_is_ignored(meeting):
    job = Job.objects.create(meeting=meeting)
    job_id = job.pk
    meeting.delete()
    assert tasks.run_job(job_id) == "missing"


def test_retrying_a_queued_job_closes_it_so_only_one_job_is_live(meeting):
    stuck = Job.objects.create(meeting=meeting, state=JobState.QUEUED)
    fresh = processing_services.retry_job(stuck)
    stuck.refresh_from_db()
    assert stuck.state == JobState.FAILED and stuck.reason == "Replaced by a retry."
    assert tasks.run_job(stuck.pk) == JobState.FAILED  # a late delivery does nothing
    live = Job.objects.filter(meeting=meeting, state__in=[JobState.QUEUED, JobState.RUNNING])
    assert list(live) == [fresh]


def test_a_failed_minutes_job_leaves_the_meeting_status_alone(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.READY)
    job = Job.objects.create(meeting=meeting, kind="minutes")
    job.mark_running("minutes")
    job.mark_failed("LLM down")
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.READY


class RecordingJob:
    """The job interface the pipeline reports to (as the transcribe command's stand-in), remembering each write."""

    pk = "paced"
    percent = 0

    def __init__(self):
        self.writes = []

    def report(self, stage, percent):
        self.percent = percent
        self.writes.append(percent)


def test_a_paced_stage_moves_between_real_reports_but_never_past_the_part_in_work():
    class Slow(Stage):
        name, weight = "slow", 1.0

    job = RecordingJob()
    reporter = ProgressReporter(job, [Slow()], min_interval=0, heartbeat=0.01)
    reporter.start("slow")
    time.sleep(0.2)  # the time the first quarter took: the pace the heartbeat goes on at
    reporter(0.25)
    real = len(job.writes)
    with reporter.paced(step=0.25):
        deadline = time.monotonic() + 30
        while len(set(job.writes[real:])) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        paced = job.writes[real:]
    assert len(set(paced)) >= 3, paced  # it moved on its own
    assert paced == sorted(paced) and max(paced) <= 50, paced  # forward only, and not past 0.25 + 0.25
    reporter(0.3)  # a real report behind the paced one does not move the bar back
    assert job.percent >= max(paced)
    reporter(1.0)
    assert job.percent == 99


def test_a_paced_stage_without_a_first_report_says_only_what_it_knows():
    class Slow(Stage):
        name, weight = "slow", 1.0

    job = RecordingJob()
    reporter = ProgressReporter(job, [Slow()], min_interval=0, heartbeat=0.01)
    reporter.start("slow")
    with reporter.paced(step=0.5):
        deadline = time.monotonic() + 30
        while len(job.writes) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(job.writes) >= 4 and set(job.writes) == {0}  # alive, but no pace to guess from
