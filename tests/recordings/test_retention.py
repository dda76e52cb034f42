"""Retention policy: an organization's meetings older than `retention_days` are deleted
(with their recordings and everything else) by a daily django-q2 schedule; others stay."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from accounts.models import AuditLog
from meetings.models import Job, JobState, Meeting, Segment
from meetings.recordings import retention
from tests.support import factories


def make(org, title, days_ago, with_file=False):
    meeting = factories.meeting(org, title, held_at=timezone.now() - datetime.timedelta(days=days_ago))
    factories.transcript(meeting, [(None, title)], every=1.0)
    if with_file:
        factories.recording(meeting, 0.5, name="a.wav")
    return meeting


@pytest.fixture
def meetings(org, other_org):
    org.retention_days = 30
    org.save()
    return {
        "old": make(org, "old", 40, with_file=True),
        "recent": make(org, "recent", 10),
        "boundary": make(org, "boundary", 29),
        "busy": make(org, "busy", 90),
        "other_org_old": make(other_org, "kept forever", 400),
    }


def test_apply_retention_deletes_only_expired_meetings(meetings, org, django_capture_on_commit_callbacks):
    Job.objects.create(meeting=meetings["busy"], state=JobState.RUNNING)
    path = Path(meetings["old"].recording.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        deleted = retention.apply_retention()
    assert deleted == {org.pk: [meetings["old"].pk]}
    remaining = set(Meeting.objects.values_list("title", flat=True))
    assert remaining == {"recent", "boundary", "busy", "kept forever"}
    assert not path.exists() and not Segment.objects.filter(meeting_id=meetings["old"].pk).exists()
    entry = AuditLog.objects.get(action="retention.apply")
    assert entry.organization == org and entry.details["meetings"] == [meetings["old"].pk] and entry.actor is None
    assert AuditLog.objects.filter(action="meeting.delete", target_id=str(meetings["old"].pk)).exists()
    # the busy one goes on the next run, once its job is finished
    Job.objects.filter(meeting=meetings["busy"]).update(state=JobState.DONE)
    assert retention.apply_retention() == {org.pk: [meetings["busy"].pk]}


def test_dry_run_and_the_command(meetings, org):
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "Would delete 2 meetings" in out.getvalue()
    assert Meeting.objects.count() == 5
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert "Deleted 2 meetings" in out.getvalue() and Meeting.objects.count() == 3


def test_no_policy_keeps_everything(org):
    make(org, "ancient", 5000)
    org.retention_days = None
    org.save()
    assert retention.apply_retention() == {}
    org.retention_days = 0
    org.save()
    assert retention.apply_retention() == {} and Meeting.objects.count() == 1


def test_setup_schedules_is_idempotent_and_runs_the_task(meetings, org):
    call_command("setup_schedules", stdout=StringIO())
    call_command("setup_schedules", stdout=StringIO())
    schedule = Schedule.objects.get(name=retention.SCHEDULE_NAME)
    assert Schedule.objects.filter(func=retention.SCHEDULE_FUNC).count() == 1
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1 and schedule.next_run > timezone.now()
    # what the cluster will call
    from django.utils.module_loading import import_string

    assert import_string(schedule.func)() == 2
