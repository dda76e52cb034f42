"""Task paths that moved in the reorganisation into feature packages: a job queued before an upgrade
names the old module and still runs; stored schedules are rewritten to the new paths."""

import pydoc
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from meetings.live import tasks as live_tasks
from meetings.models import Job, JobState
from meetings.processing import moved_tasks
from meetings.recordings import retention, short_audio
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("old", sorted(moved_tasks.MOVED))
def test_every_old_task_module_resolves_to_the_new_one(old):
    new = pydoc.locate(moved_tasks.MOVED[old])
    assert new is not None and pydoc.locate(old) is new


def test_a_job_queued_under_the_old_path_still_runs(org, owner, settings):
    from meetings import services

    meeting = services.create_meeting(org, owner, title="queued before the upgrade", held_at=timezone.now())
    factories.recording(meeting, 2)
    job = Job.objects.create(meeting=meeting, kind="probe")
    # what a worker does with a payload written by the previous release: resolve the path, call it
    async_task("ai_pipeline.tasks.run_job", job.pk, sync=True)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.reason
    assert meeting.recording.duration == pytest.approx(2.0, abs=0.05)


def test_setup_schedules_rewrites_schedules_stored_under_old_paths():
    Schedule.objects.create(name=retention.SCHEDULE_NAME, func="meetings.retention.run_retention", repeats=-1)
    Schedule.objects.create(name=short_audio.SCHEDULE_NAME, func="meetings.voice_expiry.run_voice_expiry", repeats=-1)
    call_command("setup_schedules", stdout=StringIO())
    assert dict(Schedule.objects.values_list("name", "func")) == {
        retention.SCHEDULE_NAME: "meetings.recordings.retention.run_retention",
        short_audio.SCHEDULE_NAME: "meetings.recordings.short_audio.run_expiry",
        live_tasks.SCHEDULE_NAME: "meetings.live.tasks.run_live_sweep",
    }
