"""Speaker memory's pages: "this is me" on a speaker, confirm or reject a suggested name, delete one's voiceprint.
Each answers like the transcript panel's own actions (the refreshed panel for HTMX, else a redirect)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

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


@login_required
@require_POST
def delete(request: HttpRequest, org_id: int) -> HttpResponse:
    organization = Organization.objects.filter(pk=org_id, memberships__user=request.user).first()
    if organization is None:
        raise Http404("No such organization.")
    if services.delete_voiceprint(request.user, organization, actor=request.user):
        messages.success(request, _("Your voice was deleted."))
    return redirect("conference:preferences")
