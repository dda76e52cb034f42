"""Pages: schedule a meeting or change its schedule, meeting series, and who is who (speakers ↔ attendees)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import organization_required
from meetings.access import get_meeting_for, meetings_for
from meetings.conference.attendees import attendees_of
from meetings.conference.calendars import local_today
from meetings.conference.continuity import can_phrase, phrase_since_last_time, since_last_time
from meetings.conference.forms import ScheduleForm
from meetings.conference.items import action_items_for, filter_action_items
from meetings.conference.scheduling import create_series, schedule_meeting, series_for, update_schedule
from meetings.conference.speakers import confirm_speakers, suggest_speakers
from meetings.conference.views.items import item_rows
from meetings.models import Recurrence
from meetings.params import int_or_none
from nexochat.errors import ServiceError


def _schedule_fields(form, user):
    """What the new-meeting and the edit forms both send to the scheduling services. The series is the one
    chosen, or a new one named on the form, created here (a refused name is a ServiceError to show)."""
    data = form.cleaned_data
    series = data.get("series")
    if data.get("new_series"):
        series = create_series(
            form.organization, user, name=data["new_series"], recurrence=data.get("recurrence") or Recurrence.WEEKLY
        )
    return {
        "title": data["title"],
        "held_at": data["held_at"],
        "duration_minutes": data["duration_minutes"],
        "location": data["location"],
        "video_link": data["video_link"],
        "series": series,
        "agenda": data["agenda"],
        "member_ids": [u.pk for u in data["members"]],
        "guests": data["guests"],
    }


@organization_required
@require_http_methods(["GET", "POST"])
def schedule_create(request: HttpRequest) -> HttpResponse:
    initial = {"members": [request.user.pk]}
    if request.GET.get("date"):
        initial["held_at"] = request.GET["date"] + "T10:00"
    form = ScheduleForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = schedule_meeting(
                request.organization,
                request.user,
                **_schedule_fields(form, request.user),
                language=data["language"],
                description=data["description"],
                occurrences=data.get("occurrences") or 1,
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(n)s meeting(s) scheduled.") % {"n": len(created)})
            return redirect("meetings:detail", pk=created[0].pk)
    return render(request, "meetings/conference/schedule_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    form = ScheduleForm(request.POST or None, organization=meeting.organization, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            update_schedule(meeting, **_schedule_fields(form, request.user))
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The schedule was saved."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request, "meetings/conference/schedule_form.html", {"form": form, "meeting": meeting, "creating": False}
    )


@organization_required
@require_http_methods(["GET", "POST"])
def series_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            series = create_series(
                request.organization,
                request.user,
                name=request.POST.get("name", ""),
                recurrence=request.POST.get("recurrence", Recurrence.WEEKLY),
                description=request.POST.get("description", "")[:5000],
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("conference:series_detail", series_id=series.pk)
    series = series_for(request.user, request.organization)
    return render(
        request, "meetings/conference/series_list.html", {"series_list": series, "recurrences": Recurrence.choices}
    )


@login_required
@require_safe
def series_detail(request: HttpRequest, series_id: int) -> HttpResponse:
    series = series_for(request.user).filter(pk=series_id).first()
    if series is None:
        raise Http404("No such series.")
    meetings = meetings_for(request.user).filter(series=series).order_by("held_at")
    items = filter_action_items(action_items_for(request.user), request.user, series=series.pk, status="active")
    context = {"series": series, "meetings": meetings, "rows": item_rows(request, items)}
    return render(request, "meetings/conference/series_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def speakers_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    speakers = list(meeting.speakers.select_related("member"))
    if request.method == "POST":
        mapping = {s.pk: int_or_none(request.POST.get(f"speaker-{s.pk}")) for s in speakers}
        try:
            confirm_speakers(meeting, mapping)
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The speakers were saved."))
            return redirect("meetings:detail", pk=meeting.pk)
    attendees = attendees_of(meeting)
    confirmed = {a.speaker_id: a.pk for a in attendees if a.speaker_id}
    suggested = suggest_speakers(meeting)
    rows = [
        {"speaker": s, "selected": confirmed.get(s.pk) or suggested.get(s.pk), "suggested": s.pk not in confirmed}
        for s in speakers
    ]
    context = {"meeting": meeting, "rows": rows, "attendees": attendees}
    return render(request, "meetings/conference/speakers.html", context)


@login_required
@require_safe
def since_last_time_phrased(request: HttpRequest, pk: int) -> HttpResponse:
    """The since-last-time panel's few cited sentences, written by the organization's model (loaded by
    HTMX after the page, so a slow model never holds the meeting page)."""
    meeting = get_meeting_for(request.user, pk)
    since = since_last_time(meeting, request.user, local_today(request.user))
    if since is None or since.is_empty or not can_phrase(meeting.organization):
        return HttpResponse("")  # nothing to say beyond the list: the placeholder is cleared
    phrasing = phrase_since_last_time(since, meeting)
    return render(request, "meetings/conference/since_last_time_phrased.html", {"phrasing": phrasing})
