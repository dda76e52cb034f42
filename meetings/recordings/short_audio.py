"""Short recordings a speech worker reads once (spoken questions, samples of a member's own voice) that no
worker read in time (the worker never got to the job, the task died before its clean-up, or the sender left
long ago) are deleted once they are older than settings.VOICE_CLIP_MAX_AGE: those still waiting become
`expired` (their status URLs say so; nothing came of them), failed ones stay failed, done ones are left
alone. Runs hourly as a django-q2 schedule (`manage.py setup_schedules`) or by hand
(`manage.py expire_voice_questions`)."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from meetings.models import VoiceQuestion, VoiceRecording
from meetings.models.short_audio import DONE, EXPIRED, RUNNING

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "nexochat-voice-expiry"
SCHEDULE_FUNC = "meetings.recordings.short_audio.run_expiry"
WAITING = ("queued", RUNNING)
SHORT_AUDIO_MODELS = (VoiceQuestion, VoiceRecording)


@dataclass
class Expiry:
    expired: list  # ids of the rows that were still waiting
    clips: list  # names of the recordings deleted (or, in a dry run, to delete)


def run_once(row, work, failure_message):
    """A speech worker's job on one short recording: `work(row)` finishes it (and marks it done). Safe to
    deliver twice: a finished row is left alone. A refusal (PipelineError, ServiceError) fails it with its own
    words, anything else with `failure_message`; the recording is deleted whatever happens. Returns the state."""
    from ai_pipeline.pipeline import PipelineError
    from nexochat.errors import ServiceError

    try:
        if row.is_finished:
            return row.state
        row.mark_running()
        try:
            work(row)
        except PipelineError as exc:
            row.mark_failed(str(exc))
        except ServiceError as exc:
            row.mark_failed(exc.message)
        except Exception:
            logger.exception("%s %s failed", row._meta.verbose_name, row.pk)
            row.mark_failed(failure_message)
        return row.state
    finally:
        row.discard_audio()


def stale(model, now=None):
    """Rows past VOICE_CLIP_MAX_AGE that never came to anything."""
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=settings.VOICE_CLIP_MAX_AGE)
    return model.objects.filter(created_at__lt=cutoff).exclude(state=DONE)


def expire(model, now=None, dry_run=False):
    """Mark the stale waiting rows expired and delete every stale recording. A recording that cannot be deleted
    now keeps its name on the row, so the next run tries again."""
    now = now or timezone.now()
    rows = stale(model, now)
    result = Expiry(expired=list(rows.filter(state__in=WAITING).order_by("pk").values_list("pk", flat=True)), clips=[])
    if not dry_run and result.expired:
        # Only rows still waiting: a worker that finished one meanwhile keeps its result.
        rows.filter(pk__in=result.expired, state__in=WAITING).update(state=EXPIRED, finished_at=now)
        result.expired = list(
            rows.filter(pk__in=result.expired, state=EXPIRED).order_by("pk").values_list("pk", flat=True)
        )
    storage = model._meta.get_field("audio").storage
    label = model._meta.verbose_name
    for pk, name in rows.exclude(audio="").order_by("pk").values_list("pk", "audio"):
        if dry_run:
            result.clips.append(name)
            continue
        try:
            storage.delete(name)
        except Exception:
            logger.exception("voice expiry: could not delete %s (%s %s); trying again next run", name, label, pk)
            continue
        model.objects.filter(pk=pk, audio=name).update(audio="")
        result.clips.append(name)
    if result.expired or result.clips:
        logger.info(
            "voice expiry: %s %s rows expired, %s recordings deleted%s",
            len(result.expired),
            label,
            len(result.clips),
            " (dry run)" if dry_run else "",
        )
    return result


def run_expiry():
    """The scheduled task: how many recordings it deleted, of every kind."""
    return sum(len(expire(model).clips) for model in SHORT_AUDIO_MODELS)


run_voice_expiry = run_expiry  # the name schedules stored by earlier releases call (meetings.processing.moved_tasks)


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
