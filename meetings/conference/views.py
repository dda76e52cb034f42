"""Conference management pages (issue #6): dashboard (the home page), calendar (month, week, list),
scheduling with agenda and attendees, .ics downloads and the private feed, speaker confirmation,
action items, decision log, sharing and the read-only guest view, recap emails and preferences.
Thin: meetings come from meetings.access, writes go through conference_services."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import organization_required
from accounts.models import User
from accounts.timezones import valid_zone_names, zone_for
from meetings.access import get_meeting_for, meetings_for
from meetings.conference import ics as calendar_ics
from meetings.conference.attendees import attendees_of, format_guests, parse_guests
from meetings.conference.calendars import by_local_day, feed_meetings, local_today, meetings_between, month_weeks
from meetings.conference.dashboard import dashboard as dashboard_data
from meetings.conference.items import (
    action_items_for,
    carried_action_items,
    clear_supersede,
    decisions_for,
    filter_action_items,
    filter_decisions,
    is_overdue,
    moment_url,
    set_item_status,
    supersede,
)
from meetings.conference.permissions import can_change_item, can_manage, members_of
from meetings.conference.preferences import (
    preference_for,
    reset_feed_token,
    revoke_feed_token,
    set_recap_emails,
    set_timezone,
    user_for_feed_token,
)
from meetings.conference.scheduling import MAX_OCCURRENCES, create_series, schedule_meeting, series_for, update_schedule
from meetings.conference.sharing import (
    create_share_link,
    revoke_share_link,
    set_visibility,
    share_link_for_token,
    touch_share_link,
)
from meetings.conference.speakers import confirm_speakers, suggest_speakers
from meetings.models import ActionItem, Decision, ItemStatus, Language, Recurrence, Series, Visibility
from meetings.params import int_or_none
from meetings.recordings.streaming import recording_response
from nexochat.errors import ServiceError

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
PAGE_SIZE = 50


def _partial(request):
    return bool(request.htmx) and not request.htmx.history_restore_request


def _require_manage(user, meeting):
    if not can_manage(user, meeting):
        raise PermissionDenied(_("Only the meeting's creator or an organization admin can do this."))


# --- dashboard -------------------------------------------------------------------------------


@organization_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = dashboard_data(request.user, request.organization)
    return render(request, "meetings/conference/dashboard.html", context)


# --- calendar --------------------------------------------------------------------------------


@organization_required
def calendar_month(request: HttpRequest) -> HttpResponse:
    zone = zone_for(request.user)
    today = local_today(request.user)
    try:
        first = datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        first = today.replace(day=1)
    if not 1900 <= first.year <= 2999:
        first = today.replace(day=1)
    weeks, start, end = month_weeks(first.year, first.month, zone)
    days = by_local_day(meetings_between(request.user, request.organization, start, end), zone)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    context = {
        "first": first,
        "weeks": [[(day, days.get(day, [])) for day in week] for week in weeks],
        "today": today,
        "previous": previous.strftime("%Y-%m"),
        "next": following.strftime("%Y-%m"),
        "view": "month",
    }
    return render(request, "meetings/conference/calendar_month.html", context)


@organization_required
def calendar_week(request: HttpRequest) -> HttpResponse:
    zone = zone_for(request.user)
    today = local_today(request.user)
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = today
    if not 1900 <= day.year <= 2999:
        day = today
    monday = day - datetime.timedelta(days=day.weekday())
    dates = [monday + datetime.timedelta(days=n) for n in range(7)]
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=zone)
    end = start + datetime.timedelta(days=7)
    days = by_local_day(meetings_between(request.user, request.organization, start, end), zone)
    context = {
        "days": [(d, days.get(d, [])) for d in dates],
        "today": today,
        "monday": monday,
        "previous": (monday - datetime.timedelta(days=7)).isoformat(),
        "next": (monday + datetime.timedelta(days=7)).isoformat(),
        "view": "week",
    }
    return render(request, "meetings/conference/calendar_week.html", context)


@organization_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    past = request.GET.get("past") == "1"
    meetings = meetings_for(request.user, request.organization).select_related("series")
    meetings = (
        meetings.filter(held_at__lt=now).order_by("-held_at")
        if past
        else meetings.filter(held_at__gte=now - datetime.timedelta(hours=1)).order_by("held_at")
    )
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "meetings/conference/calendar_list.html", {"page": page, "past": past, "view": "list"})


# --- scheduling ------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    held_at = forms.DateTimeField(
        label=gettext_lazy("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"), min_value=1, max_value=1440, initial=60
    )
    location = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    video_link = forms.URLField(label=gettext_lazy("Video link"), max_length=500, required=False, assume_scheme="https")
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices, initial=Language.KOREAN)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One topic per line."),
    )
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Attendees (members)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guests = forms.CharField(
        label=gettext_lazy("Guests"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One per line: name <email> or just the email."),
    )
    series = forms.ModelChoiceField(
        label=gettext_lazy("Series"), queryset=Series.objects.none(), required=False, empty_label=gettext_lazy("None")
    )
    new_series = forms.CharField(label=gettext_lazy("Or start a new series"), max_length=200, required=False)
    recurrence = forms.ChoiceField(
        label=gettext_lazy("Repeats"), choices=Recurrence.choices, initial=Recurrence.WEEKLY, required=False
    )
    occurrences = forms.IntegerField(
        label=gettext_lazy("Number of meetings to schedule"),
        min_value=1,
        max_value=MAX_OCCURRENCES,
        initial=1,
        required=False,
    )

    def __init__(self, *args, organization, meeting=None, **kwargs):
        if meeting is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": meeting.title,
                "held_at": timezone.localtime(meeting.held_at),
                "duration_minutes": meeting.duration_minutes,
                "location": meeting.location,
                "video_link": meeting.video_link,
                "language": meeting.language,
                "description": meeting.description,
                "agenda": "\n".join(a.title for a in meeting.agenda_items.all()),
                "members": [a.user_id for a in attendees_of(meeting) if a.user_id],
                "guests": format_guests(meeting),
                "series": meeting.series_id,
            }
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["members"].queryset = members_of(organization)
        self.fields["series"].queryset = Series.objects.filter(organization=organization)
        if meeting is not None:
            for name in ("occurrences", "language", "description"):
                del self.fields[name]

    def clean_guests(self):
        try:
            return parse_guests(self.cleaned_data.get("guests"))
        except ServiceError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_agenda(self):
        return [line.strip() for line in (self.cleaned_data.get("agenda") or "").splitlines() if line.strip()]


def _series_from(form, user):
    data = form.cleaned_data
    if data.get("new_series"):
        return create_series(
            form.organization, user, name=data["new_series"], recurrence=data.get("recurrence") or Recurrence.WEEKLY
        )
    return data.get("series")


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
                title=data["title"],
                held_at=data["held_at"],
                duration_minutes=data["duration_minutes"],
                location=data["location"],
                video_link=data["video_link"],
                language=data["language"],
                description=data["description"],
                series=_series_from(form, request.user),
                agenda=data["agenda"],
                member_ids=[u.pk for u in data["members"]],
                guests=data["guests"],
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
        data = form.cleaned_data
        try:
            update_schedule(
                meeting,
                title=data["title"],
                held_at=data["held_at"],
                duration_minutes=data["duration_minutes"],
                location=data["location"],
                video_link=data["video_link"],
                series=_series_from(form, request.user),
                agenda=data["agenda"],
                member_ids=[u.pk for u in data["members"]],
                guests=data["guests"],
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The schedule was saved."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request, "meetings/conference/schedule_form.html", {"form": form, "meeting": meeting, "creating": False}
    )


# --- calendar files --------------------------------------------------------------------------


def _ics_response(body, filename):
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    body = calendar_ics.calendar_for([meeting], zone_for(request.user), name=meeting.title)
    return _ics_response(body, calendar_ics.filename_for(meeting))


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: no session, the secret in the address is the key. Unknown or revoked: 404."""
    user = user_for_feed_token(token)
    if user is None:
        raise Http404("No such feed.")
    body = calendar_ics.calendar_for(feed_meetings(user), zone_for(user))
    response = _ics_response(body, "nexochat.ics")
    response["Content-Disposition"] = "inline"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- speakers ↔ attendees --------------------------------------------------------------------


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


# --- action items ----------------------------------------------------------------------------


class ActionFilterForm(forms.Form):
    assignee = forms.CharField(required=False)
    status = forms.CharField(required=False)
    due = forms.CharField(required=False)
    meeting = forms.IntegerField(required=False, min_value=1)
    series = forms.IntegerField(required=False, min_value=1)
    q = forms.CharField(required=False, max_length=200)


def _item_rows(request, items):
    today = local_today(request.user)
    return [
        {
            "item": item,
            "overdue": is_overdue(item, today),
            "can_change": can_change_item(request.user, item),
        }
        for item in items
    ]


@organization_required
def action_items(request: HttpRequest) -> HttpResponse:
    form = ActionFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = filter_action_items(
        action_items_for(request.user, request.organization),
        request.user,
        **{k: v for k, v in filters.items() if v},
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": _item_rows(request, page.object_list),
        "filters": filters,
        "members": members_of(request.organization),
        "series_list": Series.objects.filter(organization=request.organization),
        "statuses": ItemStatus.choices,
    }
    template = "meetings/conference/action_items.html"
    return render(request, f"{template}#results" if _partial(request) else template, context)


@login_required
@require_POST
def action_item_status(request: HttpRequest, item_id: int) -> HttpResponse:
    item = (
        ActionItem.objects.filter(meeting__in=meetings_for(request.user), pk=item_id)
        .select_related("meeting", "assignee", "meeting__series")
        .first()
    )
    if item is None:
        raise Http404("No such action item.")
    if not can_change_item(request.user, item):
        raise PermissionDenied(_("Only the assignee, the meeting's creator or an admin can change this."))
    try:
        set_item_status(item, request.POST.get("status", ""))
    except ServiceError as exc:
        return HttpResponse(str(exc), status=400)
    if request.htmx:
        return render(request, "meetings/conference/action_items.html#row", {"row": _item_rows(request, [item])[0]})
    messages.success(request, _("The action item was updated."))
    return redirect(request.POST.get("next") if _safe_next(request) else "conference:action_items")


def _safe_next(request):
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(target, {request.get_host()})


# --- decisions -------------------------------------------------------------------------------


@organization_required
def decision_log(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    current_only = request.GET.get("current") == "1"
    queryset = filter_decisions(
        decisions_for(request.user, request.organization),
        q=q,
        series=int_or_none(request.GET.get("series")),
        meeting=int_or_none(request.GET.get("meeting")),
        include_superseded=not current_only,
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"decision": d, "url": moment_url(d)} for d in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "q": q,
        "current_only": current_only,
        "series_list": Series.objects.filter(organization=request.organization),
        "selected_series": int_or_none(request.GET.get("series")),
    }
    template = "meetings/conference/decisions.html"
    return render(request, f"{template}#results" if _partial(request) else template, context)


def _decision_for(user, decision_id):
    decision = decisions_for(user).filter(pk=decision_id).first()
    if decision is None:
        raise Http404("No such decision.")
    return decision


@login_required
@require_POST
def decision_supersede(request: HttpRequest, decision_id: int) -> HttpResponse:
    earlier = _decision_for(request.user, decision_id)
    _require_manage(request.user, earlier.meeting)
    later_id = int_or_none(request.POST.get("superseded_by"))
    try:
        if later_id:
            supersede(earlier, _decision_for(request.user, later_id))
            messages.success(request, _("The decision was marked as superseded."))
        else:
            clear_supersede(earlier)
            messages.success(request, _("The decision is current again."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("conference:decisions") + f"#decision-{earlier.pk}")


# --- sharing ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    _require_manage(request.user, meeting)
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
        link.url = request.build_absolute_uri(reverse("conference:share_view", args=[link.token]))
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
    meeting = get_meeting_for(request.user, pk)
    _require_manage(request.user, meeting)
    link = meeting.share_links.filter(pk=link_id).first()
    if link is None:
        raise Http404("No such link.")
    revoke_share_link(link, user=request.user)
    messages.success(request, _("The share link was revoked."))
    return redirect("conference:sharing", pk=meeting.pk)


def _guest_headers(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def share_view(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only guest page: player, minutes and transcript of this one meeting, nothing else."""
    from meetings.minutes import services as minutes_services

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
    from meetings.views import _recording_content_type

    link = share_link_for_token(token)
    recording = link.meeting.recording if link else None
    if recording is None or not recording.file:
        raise Http404("No recording.")
    response = recording_response(request, recording, content_type=_recording_content_type(recording))
    response["Content-Security-Policy"] = "sandbox"
    return _guest_headers(response)


# --- recap -----------------------------------------------------------------------------------


@login_required
@require_POST
def recap_send(request: HttpRequest, pk: int) -> HttpResponse:
    from meetings.conference import recap

    meeting = get_meeting_for(request.user, pk)
    _require_manage(request.user, meeting)
    try:
        count = recap.send_recap(meeting)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The recap was sent to %(n)s attendee(s).") % {"n": count})
    return redirect("meetings:detail", pk=meeting.pk)


# --- series ----------------------------------------------------------------------------------


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
def series_detail(request: HttpRequest, series_id: int) -> HttpResponse:
    series = series_for(request.user).filter(pk=series_id).first()
    if series is None:
        raise Http404("No such series.")
    meetings = meetings_for(request.user).filter(series=series).order_by("held_at")
    items = filter_action_items(action_items_for(request.user), request.user, series=series.pk, status="active")
    context = {"series": series, "meetings": meetings, "rows": _item_rows(request, items)}
    return render(request, "meetings/conference/series_detail.html", context)


# --- preferences -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "settings":
                set_recap_emails(request.user, request.POST.get("recap_emails") == "on")
                set_timezone(request.user, request.POST.get("timezone", ""))
                messages.success(request, _("Your preferences were saved."))
            elif action == "feed_reset":
                reset_feed_token(request.user)
                messages.success(request, _("A new calendar address was made; the old one no longer works."))
            elif action == "feed_revoke":
                revoke_feed_token(request.user)
                messages.success(request, _("The calendar address was turned off."))
        except ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("conference:preferences")
    preference = preference_for(request.user)
    feed_url = (
        request.build_absolute_uri(reverse("conference:feed", args=[preference.feed_token]))
        if preference.feed_token
        else None
    )
    context = {
        "preference": preference,
        "feed_url": feed_url,
        "timezones": sorted(valid_zone_names()),
    }
    return render(request, "meetings/conference/preferences.html", context)


# --- the meeting page's conference card (included by templates/meetings/detail.html) ---------


def meeting_card_context(meeting, user):
    return {
        "conference_loaded": True,
        "agenda": list(meeting.agenda_items.all()),
        "carried": list(carried_action_items(meeting, user)),
        "attendee_list": attendees_of(meeting),
        "can_manage": can_manage(user, meeting),
        "has_speakers": meeting.speakers.exists(),
        "end_at": meeting.held_at + datetime.timedelta(minutes=meeting.duration_minutes or 60),
        "decision_count": Decision.objects.filter(meeting=meeting).count(),
    }
