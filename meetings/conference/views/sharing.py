"""Pages: who can see a meeting and its guest links, the read-only guest page, and sending the recap."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import get_membership, members_of, require_admin
from accounts.decorators import organization_required
from meetings.conference.permissions import meeting_to_manage
from meetings.conference.recap import recap_plan, send_recap, set_recap_after_minutes
from meetings.conference.sharing import (
    create_share_link,
    revoke_share_link,
    set_visibility,
    share_link_for_token,
    share_link_of,
    share_url,
    touch_share_link,
)
from meetings.minutes import services as minutes_services
from meetings.models import Visibility
from meetings.params import int_or_none
from meetings.recordings.streaming import content_type_for, recording_response
from nexochat.errors import ServiceError
from nexochat.htmx import wants_fragment


@login_required
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_to_manage(request.user, pk)
    new_link = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "visibility":
                ids = [i for i in (int_or_none(v) for v in request.POST.getlist("members")) if i]
                set_visibility(meeting, request.POST.get("visibility", ""), ids, user=request.user)
                messages.success(request, _("Visibility was saved."))
            elif request.POST.get("action") == "link":
                new_link = create_share_link(meeting, request.user, int_or_none(request.POST.get("days")) or 7)
                messages.success(request, _("A share link was created."))
        except ServiceError as exc:
            messages.error(request, str(exc))
        if new_link is None:
            return redirect("conference:sharing", pk=meeting.pk)
    links = list(meeting.share_links.select_related("created_by"))
    for link in links:
        link.url = share_url(request, link)
    context = {
        "meeting": meeting,
        "links": links,
        "new_link": new_link,
        "members": members_of(meeting.organization),
        "allowed": set(meeting.allowed_members.values_list("pk", flat=True)),
        "visibility_choices": Visibility.choices,
    }
    return render(request, "meetings/conference/sharing.html", context)


@login_required
@require_POST
def share_link_revoke(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    meeting = meeting_to_manage(request.user, pk)
    revoke_share_link(share_link_of(meeting, link_id), user=request.user)
    messages.success(request, _("The share link was revoked."))
    return redirect("conference:sharing", pk=meeting.pk)


def _guest_headers(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def share_view(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only guest page: player, minutes and transcript of this one meeting, nothing else."""
    link = share_link_for_token(token)
    if link is None:
        raise Http404("No such link.")
    touch_share_link(link)
    meeting = link.meeting
    minutes = minutes_services.current_minutes(meeting)
    segments = meeting.segments.select_related("speaker", "speaker__member").order_by("position")
    gaps = meeting.transcript_gaps.select_related("speaker", "speaker__member")
    context = {
        **minutes_services.display(minutes),  # the same minutes as the meeting page, under today's names
        "meeting": meeting,
        "token": token,
        "link": link,
        "minutes": minutes,
        "segments": segments,
        "lines": sorted([*segments, *gaps], key=lambda line: (line.start, line.end)),
        "recording": meeting.recording,
    }
    return _guest_headers(render(request, "meetings/conference/guest.html", context))


@require_http_methods(["GET", "HEAD"])
def share_audio(request: HttpRequest, token: str) -> HttpResponse:
    link = share_link_for_token(token)
    recording = link.meeting.recording if link else None
    if recording is None or not recording.file:
        raise Http404("No recording.")
    response = recording_response(request, recording, content_type=content_type_for(recording))
    response["Content-Security-Policy"] = "sandbox"
    return _guest_headers(response)


@login_required
@require_http_methods(["GET", "POST"])
def recap_send(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: who would receive the recap (and who would not), with the button that sends it. POST: send."""
    meeting = meeting_to_manage(request.user, pk)
    if request.method == "GET":
        template = "meetings/conference/recap_confirm.html"
        context = {"meeting": meeting, "plan": recap_plan(meeting)}
        return render(request, f"{template}#confirm" if wants_fragment(request) else template, context)
    try:
        sent_to = send_recap(meeting)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The recap was sent to %(n)s attendee(s).") % {"n": len(sent_to)})
    return redirect("meetings:detail", pk=meeting.pk)


@organization_required
@require_POST
def recap_settings(request: HttpRequest) -> HttpResponse:
    """The organization's choice to email recaps by themselves (owners and admins); shown on the minutes
    settings page."""
    require_admin(get_membership(request.user, request.organization.pk))
    enabled = request.POST.get("recap_after_minutes") == "on"
    set_recap_after_minutes(request.organization, enabled, user=request.user)
    messages.success(request, _("The recap email setting was saved."))
    return redirect("minutes_settings:settings")
