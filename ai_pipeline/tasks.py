"""django-q2 entry points. Kept thin: load the job, run its stages, record the outcome."""

import logging

from meetings.models import Job, JobState

from .pipeline import PipelineContext, PipelineError, run_stages
from .stages import stages_for

logger = logging.getLogger(__name__)


def run_job(job_id):
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
    context = PipelineContext(job=job, meeting=job.meeting, recording=recording, options=job.options)
    try:
        job.timings = run_stages(context, stages_for(job.kind, job.options))
    except PipelineError as exc:
        job.mark_failed(str(exc))
        return job.state
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        job.mark_failed(f"Unexpected error: {exc.__class__.__name__}: {exc}")
        return job.state
    job.mark_done()
    return job.state
