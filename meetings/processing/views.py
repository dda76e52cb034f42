"""The meeting page's processing card: polled while a job runs, it tells the transcript and minutes panels
to reload when a job rewrote the transcript, and offers Retry after a failure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import trigger_client_event

from meetings.access import get_meeting_for
from meetings.models import Job, JobState
from meetings.processing import services
from meetings.processing.stages import STAGE_LABELS

STATUS_POLL_STATES = (JobState.QUEUED, JobState.RUNNING)
HTMX_STOP_POLLING = 286
# Sent (HX-Trigger) when a job that rewrote the transcript finishes; the meeting page's transcript and
# minutes panels reload themselves on it.
TRANSCRIPT_CHANGED = "transcript-changed"


def _stage_label(stage):
    return _(STAGE_LABELS[stage]) if stage in STAGE_LABELS else stage


def _recording_job(meeting):
    """The meeting's latest processing of its recording. A minutes job (regenerating the minutes) shows and
    fails on the minutes panel only: it never changes the meeting's state."""
    return meeting.jobs.filter(kind__in=Job.RECORDING_KINDS).first()


def status_context(meeting):
    job = _recording_job(meeting)
    return {
        "transcript_url": reverse("transcript:panel", args=[meeting.pk])
        if job is not None and job.state == JobState.DONE
        else None,
        "recording": meeting.recording,
        "job": job,
        "job_polling": job is not None and job.state in STATUS_POLL_STATES,
        "stage_label": _stage_label(job.stage) if job is not None and job.stage else "",
        "seconds_left": job.seconds_left() if job is not None else None,
    }


def _finished_since_shown(job, shown_state):
    """The page's status panel last showed this job queued or running (its polling URL says so) and
    the job has now rewritten the transcript. Once the panel shows 'done' it stops polling and no longer
    claims a live state, so the page is told once per job."""
    return (
        job is not None
        and job.state == JobState.DONE
        and job.kind in Job.RECORDING_KINDS
        and shown_state in STATUS_POLL_STATES
    )


def _status_panel(request, meeting, *, shown_state, polled=False):
    context = {"meeting": meeting, "status_oob": True, **status_context(meeting)}
    response = render(request, "meetings/detail.html#status", context)
    if polled and not context["job_polling"]:
        response.status_code = HTMX_STOP_POLLING
    if _finished_since_shown(context["job"], shown_state):
        trigger_client_event(response, TRANSCRIPT_CHANGED)
    return response


@login_required
@require_safe
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    return _status_panel(request, meeting, shown_state=request.GET.get("shown"), polled=True)


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    job = _recording_job(meeting)
    if job is None or job.state != JobState.FAILED:
        messages.error(request, _("There is no failed processing to retry."))
    elif meeting.recording is None:
        messages.error(request, _("Upload a recording first."))
    else:
        services.retry_job(job)
        if request.htmx:
            meeting.refresh_from_db()
            # The page has just queued the job; a worker running it at once has already finished it.
            return _status_panel(request, meeting, shown_state=JobState.QUEUED)
        messages.success(request, _("Processing was queued again."))
    return redirect("meetings:detail", pk=meeting.pk)
