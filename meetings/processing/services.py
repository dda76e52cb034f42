"""Queueing processing jobs: a Job row, then a django-q2 task once the transaction commits; retries."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from meetings.models import Job, JobState, Meeting, MeetingStatus
from nexochat.errors import ServiceError


def queue_processing(meeting, kind="process", options=None):
    """Create a queued Job and hand it to the worker once the transaction commits."""
    job = Job.objects.create(meeting=meeting, kind=kind, options=options or {})
    if kind in Job.RECORDING_KINDS:
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.QUEUED)
    transaction.on_commit(lambda: _enqueue(job.pk, kind))
    return job


def enqueue_task(func, *args, task_name, speech=False, timeout=None):
    """Hand a task to django-q2 and return its id. Speech work goes to the GPU workers' queue when
    there is one (GPU_CLUSTER_NAME); LLM calls and the rest stay on the default queue."""
    from django_q.tasks import async_task

    q_options = {"task_name": task_name, "timeout": timeout or settings.JOB_TIMEOUT}
    if speech and settings.GPU_CLUSTER_NAME:
        q_options["cluster"] = settings.GPU_CLUSTER_NAME
    return async_task(func, *args, q_options=q_options)


def _enqueue(job_id, kind="process"):
    task_id = enqueue_task(
        "meetings.processing.tasks.run_job", job_id, task_name=f"job-{job_id}", speech=kind in Job.RECORDING_KINDS
    )
    Job.objects.filter(pk=job_id).update(task_id=str(task_id or "")[:64])


def retry_job(job):
    """Queue a fresh run of a failed (or stuck) job with the same kind and options.

    A job still waiting in the queue is closed first, so the meeting never has two live jobs;
    if the broker hands the old one out later, run_job sees it finished and skips it."""
    if job.state == JobState.RUNNING:
        raise ServiceError(_("This job is still running."), "running")
    if job.state == JobState.QUEUED:
        job.mark_failed("Replaced by a retry.")
    return queue_processing(job.meeting, kind=job.kind, options=job.options)
