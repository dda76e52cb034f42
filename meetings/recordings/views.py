"""Recording pages: the upload (streamed, refused before it is read when too large) and the audio the
meeting page's player streams. The rules live in meetings/recordings/services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from meetings.access import get_meeting_for
from meetings.recordings import services
from meetings.recordings.streaming import content_type_for, recording_response
from nexochat.errors import ServiceError
from nexochat.security import rate_limit


def wants_json(request):
    """The upload script (upload.js) asks for JSON; a plain form post gets a redirect with a message."""
    return (
        request.headers.get("x-requested-with") == "XMLHttpRequest"
        or "application/json" in request.headers.get("accept", "")
    ) and not request.htmx


def _upload_refused(request, meeting, exc):
    existing = exc.details.get("existing_meeting")
    existing_url = reverse("meetings:detail", args=[existing.pk]) if existing is not None else None
    if wants_json(request):
        payload = {"error": exc.message, "code": exc.code}
        if existing_url:
            payload["existing_url"] = existing_url
        return JsonResponse(payload, status=services.UPLOAD_STATUS.get(exc.code, 400))
    message = exc.message
    if existing_url:
        message = format_html('{} <a href="{}">{}</a>', message, existing_url, _("Open that meeting"))
    messages.error(request, message)
    return redirect("meetings:detail", pk=meeting.pk)


@csrf_exempt  # checked in _receive_upload, after the size check, so an oversized body is never read
@login_required
@require_POST
@rate_limit("upload")
def recording_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    try:
        services.refuse_oversized_body(request)
    except ServiceError as exc:
        return _upload_refused(request, meeting, exc)
    return _receive_upload(request, meeting)


@csrf_protect
def _receive_upload(request, meeting):
    try:
        upload = services.uploaded_file(request, "file")
        if upload is None:
            raise ServiceError(_("Choose a file to upload."), "missing")
        recording, job = services.attach_recording(meeting, upload, request.user)
    except ServiceError as exc:
        return _upload_refused(request, meeting, exc)
    if wants_json(request):
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


def member_recording_response(request, recording):
    """The recording for a meeting member (permission already checked): kept by the browser for an hour,
    sandboxed so that a file posing as HTML cannot run script."""
    response = recording_response(
        request,
        recording,
        content_type=content_type_for(recording),
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
