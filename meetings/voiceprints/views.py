"""Speaker memory's pages: "this is me" on a speaker, confirm or reject a suggested name, delete one's voiceprint.
Each answers like the transcript panel's own actions (the refreshed panel for HTMX, else a redirect). On the
preferences page a member also sends a short recording of their own voice, and follows its state."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Organization
from meetings.access import get_meeting_for
from meetings.transcript.views import _get_speaker, _panel_response
from meetings.voiceprints import services
from nexochat.errors import ServiceError


@login_required
@require_POST
def enrol(request: HttpRequest, pk: int, speaker_id: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    speaker = _get_speaker(meeting, speaker_id)
    try:
        _voiceprint, created = services.enrol_from_speaker(request.user, speaker)
    except ServiceError as exc:
        return _panel_response(request, meeting, error=str(exc))
    notice = _("Your voice was saved.") if created else _("This recording was added to your voice.")
    return _panel_response(request, meeting, notice=notice)


@login_required
@require_POST
def suggestion(request: HttpRequest, pk: int, speaker_id: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    speaker = _get_speaker(meeting, speaker_id)
    try:
        services.decide_suggestion(request.user, speaker, request.POST.get("decision", ""))
    except ServiceError as exc:
        return _panel_response(request, meeting, error=str(exc))
    return _panel_response(request, meeting)


def _organization(user, org_id):
    organization = Organization.objects.filter(pk=org_id, memberships__user=user).first()
    if organization is None:
        raise Http404("No such organization.")
    return organization


@login_required
@require_POST
def delete(request: HttpRequest, org_id: int) -> HttpResponse:
    organization = _organization(request.user, org_id)
    if services.delete_voiceprint(request.user, organization, actor=request.user):
        messages.success(request, _("Your voice was deleted."))
    return redirect("conference:preferences")


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def record(request: HttpRequest, org_id: int) -> HttpResponse:
    """A recording of the member's own voice (10-30 s, recorded in the browser or uploaded) with their consent:
    stored and queued for a speech worker (202 with status_url for the page's script, else back to the page)."""
    organization = _organization(request.user, org_id)
    try:
        services.queue_recording(
            request.user, organization, request.FILES.get("audio"), request.POST.get("consent") == "on"
        )
    except ServiceError as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc), "code": exc.code}, status=413 if exc.code == "too_large" else 400)
        messages.error(request, str(exc))
        return redirect(reverse("conference:preferences") + "#voiceprint")
    if _wants_json(request):
        data = services.recording_state(request.user, organization)
        data["status_url"] = reverse("voiceprints:recording_status", args=[organization.pk])
        return JsonResponse(data, status=202)
    messages.success(request, _("Your recording was received; your voice is being saved."))
    return redirect(reverse("conference:preferences") + "#voiceprint")


@login_required
@require_GET
def recording_status(request: HttpRequest, org_id: int) -> HttpResponse:
    response = JsonResponse(services.recording_state(request.user, _organization(request.user, org_id)))
    response["Cache-Control"] = "no-store"
    return response
