import mimetypes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.access import get_membership
from meetings.recordings.streaming import recording_response
from meetings.recordings.uploads import storage_unavailable_message
from nexochat.errors import ServiceError
from nexochat.security import PERMISSIONS_POLICY, rate_limit

from . import services
from .access import get_meeting_for, meetings_for
from .forms import MeetingCreateForm, MeetingFilterForm, MeetingForm
from .models import Job, JobState

PAGE_SIZE = 25
STATUS_POLL_STATES = (JobState.QUEUED, JobState.RUNNING)
# Room for the multipart envelope around the file, so a file just under the limit is not refused
# by the Content-Length check; the upload handler enforces the exact limit on the file itself.
MULTIPART_OVERHEAD = 64 * 1024
HTMX_STOP_POLLING = 286
# Sent (HX-Trigger) when a job that rewrote the transcript finishes; the meeting page's transcript and
# minutes panels reload themselves on it.
TRANSCRIPT_CHANGED = "transcript-changed"


def _create_organization_url():
    try:
        return reverse("accounts:create")
    except NoReverseMatch:
        return "/orgs/new/"


def _wants_json(request):
    return (
        request.headers.get("x-requested-with") == "XMLHttpRequest"
        or "application/json" in request.headers.get("accept", "")
    ) and not request.htmx


def _partial_request(request):
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    if request.organization is None:
        return redirect(_create_organization_url())
    filters = MeetingFilterForm(request.GET or None, organization=request.organization)
    meetings = filters.filter(meetings_for(request.user, request.organization))
    # to_attr gives each row a plain list: a per-row `tags.all()` would build a queryset 25 times.
    meetings = meetings.select_related("_recording").prefetch_related(Prefetch("tags", to_attr="tag_list"))
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "meetings/list.html#results" if _partial_request(request) else "meetings/list.html"
    response = render(request, template, {"filters": filters, "page": page})
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    if request.organization is None:
        return redirect(_create_organization_url())
    form = MeetingCreateForm(request.POST or None, request.FILES or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        meeting = services.create_meeting(request.organization, request.user, **form.service_kwargs())
        messages.success(request, _("The meeting was created."))
        upload = form.cleaned_data.get("recording")
        if getattr(request, "upload_errors", None):
            messages.error(request, _too_large_message())
        elif upload is not None:
            try:
                services.attach_recording(meeting, upload, request.user)
            except ServiceError as exc:
                messages.error(request, _upload_error_message(exc))
        return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/form.html", {"form": form, "creating": True})


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    membership = get_membership(request.user, meeting.organization_id)
    context = {
        "meeting": meeting,
        "participants": meeting.participants.all(),
        "tags": meeting.tags.all(),
        "can_delete": services.can_delete_meeting(request.user, membership, meeting),
        "max_upload_size": settings.MAX_UPLOAD_SIZE,
        **_status_context(meeting),
    }
    response = render(request, "meetings/detail.html", context)
    # The microphone is off everywhere else; this page records a meeting (recorder.js, before there is
    # a recording) and voice questions to its chat box.
    response["Permissions-Policy"] = PERMISSIONS_POLICY.replace("microphone=()", "microphone=(self)")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    form = MeetingForm(request.POST or None, organization=meeting.organization, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        services.update_meeting(meeting, **form.service_kwargs())
        messages.success(request, _("The meeting was saved."))
        return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/form.html", {"form": form, "meeting": meeting, "creating": False})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_delete(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    membership = get_membership(request.user, meeting.organization_id)
    if not services.can_delete_meeting(request.user, membership, meeting):
        raise PermissionDenied(_("Only the meeting's creator or an organization admin can delete it."))
    if request.method == "POST":
        title = meeting.title
        services.delete_meeting(meeting, user=request.user)
        messages.success(request, _("The meeting “%(title)s” was deleted.") % {"title": title})
        return redirect("meetings:list")
    return render(request, "meetings/confirm_delete.html", {"meeting": meeting})


# --- recording ------------------------------------------------------------------------------


def _too_large_message():
    return _("The file is larger than the upload limit (%(limit)s).") % {
        "limit": filesizeformat(settings.MAX_UPLOAD_SIZE)
    }


def _upload_error_message(exc):
    if exc.code == "too_large":
        return _too_large_message()
    return str(exc)


def _upload_refused(request, meeting, message, code, status, existing=None):
    existing_url = reverse("meetings:detail", args=[existing.pk]) if existing is not None else None
    if _wants_json(request):
        payload = {"error": message, "code": code}
        if existing_url:
            payload["existing_url"] = existing_url
        return JsonResponse(payload, status=status)
    if existing_url:
        message = format_html('{} <a href="{}">{}</a>', message, existing_url, _("Open that meeting"))
    messages.error(request, message)
    return redirect("meetings:detail", pk=meeting.pk)


_UPLOAD_STATUS = {"too_large": 413, "duplicate": 409, "exists": 409, "storage_unavailable": 503}


@csrf_exempt  # checked in _receive_upload, after the size check, so an oversized body is never read
@login_required
@require_POST
@rate_limit("upload")
def recording_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    try:
        content_length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        content_length = 0
    if content_length > settings.MAX_UPLOAD_SIZE + MULTIPART_OVERHEAD:
        return _upload_refused(request, meeting, _too_large_message(), "too_large", 413)
    return _receive_upload(request, meeting)


@csrf_protect
def _receive_upload(request, meeting):
    upload = request.FILES.get("file")
    if "storage_unavailable" in getattr(request, "upload_errors", {}).values():
        return _upload_refused(request, meeting, storage_unavailable_message(), "storage_unavailable", 503)
    if getattr(request, "upload_errors", None):
        return _upload_refused(request, meeting, _too_large_message(), "too_large", 413)
    if upload is None:
        return _upload_refused(request, meeting, _("Choose a file to upload."), "missing", 400)
    try:
        recording, job = services.attach_recording(meeting, upload, request.user)
    except ServiceError as exc:
        status = _UPLOAD_STATUS.get(exc.code, 400)
        return _upload_refused(
            request, meeting, _upload_error_message(exc), exc.code, status, exc.details.get("existing_meeting")
        )
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "recording": {"name": recording.original_name, "size": recording.size},
                "job": job.pk,
                "redirect": reverse("meetings:detail", args=[meeting.pk]),
                "status_url": reverse("meetings:status", args=[meeting.pk]),
            },
            status=201,
        )
    messages.success(request, _("The recording was uploaded and is being processed."))
    return redirect("meetings:detail", pk=meeting.pk)


def _recording_content_type(recording):
    """Only audio/video types are served; the browser-declared type is otherwise not trusted."""
    declared = (recording.content_type or "").split(";")[0].strip().lower()
    if declared.startswith(("audio/", "video/")):
        return declared
    guessed, _encoding = mimetypes.guess_type(recording.file.name)
    if guessed and guessed.startswith(("audio/", "video/")):
        return guessed
    return "application/octet-stream"


def member_recording_response(request, recording):
    """The recording for a meeting member (permission already checked): kept by the browser for an hour,
    sandboxed so that a file posing as HTML cannot run script."""
    response = recording_response(
        request,
        recording,
        content_type=_recording_content_type(recording),
        etag=f'"{recording.sha256}"' if recording.sha256 else None,
    )
    if response.status_code != 302:  # a signed-URL redirect keeps its own no-store
        response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "sandbox"
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def recording_audio(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    recording = meeting.recording
    if recording is None or not recording.file:
        raise Http404("No recording.")
    return member_recording_response(request, recording)


# --- processing status ----------------------------------------------------------------------


def _stage_label(stage):
    from meetings.processing.stages import STAGE_LABELS

    return _(STAGE_LABELS[stage]) if stage in STAGE_LABELS else stage


def _transcript_url(meeting):
    # The transcript pages live in their own URLconf; the link appears once they are installed.
    try:
        return reverse("transcript:panel", args=[meeting.pk])
    except NoReverseMatch:
        return None


def _recording_job(meeting):
    """The meeting's latest processing of its recording. A minutes job (regenerating the minutes) shows and
    fails on the minutes panel only: it never changes the meeting's state."""
    return meeting.jobs.filter(kind__in=Job.RECORDING_KINDS).first()


def _status_context(meeting):
    job = _recording_job(meeting)
    return {
        "transcript_url": _transcript_url(meeting) if job is not None and job.state == JobState.DONE else None,
        "recording": meeting.recording,
        "job": job,
        "job_polling": job is not None and job.state in STATUS_POLL_STATES,
        "stage_label": _stage_label(job.stage) if job is not None and job.stage else "",
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
    context = {"meeting": meeting, "status_oob": True, **_status_context(meeting)}
    response = render(request, "meetings/detail.html#status", context)
    if polled and not context["job_polling"]:
        response.status_code = HTMX_STOP_POLLING
    if _finished_since_shown(context["job"], shown_state):
        trigger_client_event(response, TRANSCRIPT_CHANGED)
    return response


@login_required
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
