"""Recordings of spoken questions that no speech worker transcribed (the worker never got to the job,
the task died before its clean-up, or the asker left long ago) are deleted once they are older than
settings.VOICE_CLIP_MAX_AGE: those still waiting become `expired` (the status URLs say so; nothing
was added to the conversation), failed ones stay failed, and done ones are left alone. Runs hourly as
a django-q2 schedule (`manage.py setup_schedules`) or by hand (`manage.py expire_voice_questions`)."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from meetings.models import VoiceQuestion, VoiceState

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "nexochat-voice-expiry"
SCHEDULE_FUNC = "meetings.chat.voice_expiry.run_voice_expiry"
WAITING = (VoiceState.QUEUED, VoiceState.RUNNING)


@dataclass
class Expiry:
    expired: list  # ids of voice questions that were still waiting
    clips: list  # names of the recordings deleted (or, in a dry run, to delete)


def stale_voice_questions(now=None):
    """Voice questions past VOICE_CLIP_MAX_AGE that never became a question."""
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=settings.VOICE_CLIP_MAX_AGE)
    return VoiceQuestion.objects.filter(created_at__lt=cutoff).exclude(state=VoiceState.DONE)


def expire_voice_questions(now=None, dry_run=False):
    """Mark the stale waiting ones expired and delete every stale recording. A recording that cannot be
    deleted now keeps its name on the row, so the next run tries again."""
    now = now or timezone.now()
    stale = stale_voice_questions(now)
    result = Expiry(
        expired=list(stale.filter(state__in=WAITING).order_by("pk").values_list("pk", flat=True)),
        clips=[],
    )
    if not dry_run and result.expired:
        # Only rows still waiting: a worker that finished one meanwhile keeps its result.
        stale.filter(pk__in=result.expired, state__in=WAITING).update(state=VoiceState.EXPIRED, finished_at=now)
        result.expired = list(
            stale.filter(pk__in=result.expired, state=VoiceState.EXPIRED).order_by("pk").values_list("pk", flat=True)
        )
    storage = VoiceQuestion._meta.get_field("audio").storage
    for pk, name in stale.exclude(audio="").order_by("pk").values_list("pk", "audio"):
        if dry_run:
            result.clips.append(name)
            continue
        try:
            storage.delete(name)
        except Exception:
            logger.exception("voice expiry: could not delete %s (voice question %s); trying again next run", name, pk)
            continue
        VoiceQuestion.objects.filter(pk=pk, audio=name).update(audio="")
        result.clips.append(name)
    if result.expired or result.clips:
        logger.info(
            "voice expiry: %s voice questions expired, %s recordings deleted%s",
            len(result.expired),
            len(result.clips),
            " (dry run)" if dry_run else "",
        )
    return result


def run_voice_expiry():
    """The scheduled task: how many recordings it deleted."""
    return len(expire_voice_questions().clips)


def setup_schedule():
    """Create or update the hourly schedule (idempotent). Returns (schedule, created)."""
    from django_q.models import Schedule

    schedule = Schedule.objects.filter(name=SCHEDULE_NAME).first()
    if schedule is not None:
        if schedule.func != SCHEDULE_FUNC or schedule.schedule_type != Schedule.HOURLY:
            schedule.func, schedule.schedule_type = SCHEDULE_FUNC, Schedule.HOURLY
            schedule.save(update_fields=["func", "schedule_type"])
        return schedule, False
    next_run = timezone.now().replace(minute=30, second=0, microsecond=0) + datetime.timedelta(hours=1)
    schedule = Schedule.objects.create(
        name=SCHEDULE_NAME, func=SCHEDULE_FUNC, schedule_type=Schedule.HOURLY, repeats=-1, next_run=next_run
    )
    return schedule, True
