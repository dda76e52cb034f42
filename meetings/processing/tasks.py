"""django-q2 entry points. Kept thin: load the job, run its stages, record the outcome."""

import logging
import time

from django.db import InterfaceError, OperationalError, close_old_connections, connection

from ai_pipeline.pipeline import PipelineError, run_stages
from meetings.models import Job, JobState
from meetings.processing.stages import job_context, recording_at_hand, stages_for

logger = logging.getLogger(__name__)


# A database restart or failover mid-job: wait for it to answer again, then start the job over
# (run_job is safe to repeat), at most this many times.
DB_RETRIES = 3
DB_WAIT_SECONDS = 180


def run_job(job_id):
    """run_job_once, started over when the database connection is lost along the way."""
    for attempt in range(DB_RETRIES + 1):
        try:
            return run_job_once(job_id)
        except (OperationalError, InterfaceError) as exc:
            if attempt == DB_RETRIES or not _connection_lost():
                raise
            logger.warning("job %s: database connection lost (%s); retrying once it is back", job_id, exc)
            _wait_for_database()


def _connection_lost():
    """True when the connection itself is gone (server restart, failover, network), as opposed to
    an error the database answered with (a missing column, a lock timeout): only the first is retried."""
    if connection.connection is None:
        return True
    try:
        return not connection.is_usable()
    except Exception:
        return True


def _wait_for_database():
    deadline = time.monotonic() + DB_WAIT_SECONDS
    while True:
        connection.close()  # a broken connection is never reused
        try:
            connection.ensure_connection()
            close_old_connections()
            return
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def run_job_once(job_id):
    """Run one processing job. Safe to deliver twice: a finished job is left alone, and a job
    found 'running' (its worker died) starts over from the first stage; stages replace what
    they write, so nothing is duplicated."""
    job = Job.objects.select_related("meeting", "meeting__organization").filter(pk=job_id).first()
    if job is None:
        logger.warning("job %s no longer exists (meeting deleted?)", job_id)
        return "missing"
    if job.is_finished:
        return job.state
    if job.state == JobState.RUNNING:
        job.add_log(f"restarting after an interrupted attempt ({job.attempts} so far)")
    job.mark_running()
    recording = job.meeting.recording
    if recording is None and job.kind not in ("minutes",):  # minutes need only the saved transcript
        job.mark_failed("This meeting has no recording.")
        return job.state
    try:
        context = job_context(job)
        with recording_at_hand(context, job.kind):
            job.timings = run_stages(context, stages_for(job.kind, context.options))
    except PipelineError as exc:
        job.mark_failed(str(exc), code=exc.code)
        return job.state
    except Exception as exc:
        if isinstance(exc, (OperationalError, InterfaceError)) and _connection_lost():
            raise  # the database went away: run_job waits for it and starts over
        logger.exception("job %s failed", job_id)
        job.mark_failed(f"Unexpected error: {exc.__class__.__name__}: {exc}")
        return job.state
    job.mark_done()
    return job.state
