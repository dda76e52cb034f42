"""Organization retention policy: meetings held longer ago than the organization's
`retention_days` are deleted, with their recordings, transcripts, minutes and search passages,
through the same `delete_meeting` path a person uses. Runs daily as a django-q2 schedule
(`manage.py setup_schedules`) or by hand (`manage.py apply_retention`)."""

import datetime
import logging

from django.utils import timezone

from accounts import audit
from accounts.models import Organization
from meetings.models import JobState, Meeting
from meetings.services import delete_meeting

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "nexochat-retention"
SCHEDULE_FUNC = "meetings.recordings.retention.run_retention"


def cutoff_for(organization, now=None):
    if not organization.retention_days or organization.retention_days < 1:
        return None
    return (now or timezone.now()) - datetime.timedelta(days=organization.retention_days)


def expired_meetings(organization, now=None):
    """Meetings past the organization's retention period. A meeting whose recording is still being
    processed is left for the next run, so a worker never loses its meeting mid-job."""
    cutoff = cutoff_for(organization, now)
    if cutoff is None:
        return Meeting.objects.none()
    busy = Meeting.objects.filter(jobs__state__in=[JobState.QUEUED, JobState.RUNNING]).values("pk")
    return Meeting.objects.filter(organization=organization, held_at__lt=cutoff).exclude(pk__in=busy)


def apply_retention(now=None, dry_run=False):
    """Delete every organization's expired meetings, and the voiceprints of people who left or that were not
    confirmed within the retention period. Returns {organization id: [meeting ids]}."""
    from meetings.voiceprints.services import expire_voiceprints

    deleted = {}
    if not dry_run:
        for organization in Organization.objects.filter(voiceprints__isnull=False).distinct().order_by("pk"):
            expire_voiceprints(organization, now)
    for organization in Organization.objects.filter(retention_days__gte=1).order_by("pk"):
        ids = list(expired_meetings(organization, now).order_by("held_at").values_list("pk", flat=True))
        if not ids:
            continue
        deleted[organization.pk] = ids
        if dry_run:
            continue
        for meeting in Meeting.objects.filter(pk__in=ids).select_related("organization"):
            delete_meeting(meeting)
        audit.record(None, organization, "retention.apply", None, days=organization.retention_days, meetings=ids)
        logger.info("retention: deleted %s meetings of organization %s", len(ids), organization.pk)
    return deleted


def run_retention():
    """The scheduled task: how many meetings it deleted."""
    return sum(len(ids) for ids in apply_retention().values())


def setup_schedule(hour=3):
    """Create or update the daily schedule (idempotent). Returns (schedule, created)."""
    from django_q.models import Schedule

    now = timezone.localtime()
    next_run = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if next_run <= now:
        next_run += datetime.timedelta(days=1)
    schedule = Schedule.objects.filter(name=SCHEDULE_NAME).first()
    if schedule is not None:
        changed = schedule.func != SCHEDULE_FUNC or schedule.schedule_type != Schedule.DAILY
        if changed:
            schedule.func, schedule.schedule_type = SCHEDULE_FUNC, Schedule.DAILY
            schedule.save(update_fields=["func", "schedule_type"])
        return schedule, False
    schedule = Schedule.objects.create(
        name=SCHEDULE_NAME, func=SCHEDULE_FUNC, schedule_type=Schedule.DAILY, repeats=-1, next_run=next_run
    )
    return schedule, True
