"""Pages: the dashboard, the calendar (month, week, list), .ics downloads, the private feed and the
user's preferences."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import organization_required
from accounts.timezones import valid_zone_names, zone_for
from meetings.access import get_meeting_for, meetings_for
from meetings.conference import ics
from meetings.conference.calendars import feed_meetings, local_today, meetings_by_day, month_weeks, week_days
from meetings.conference.dashboard import dashboard as dashboard_data
from meetings.conference.preferences import (
    feed_url,
    preference_for,
    reset_feed_token,
    revoke_feed_token,
    set_recap_emails,
    set_timezone,
    user_for_feed_token,
)
from meetings.conference.views import PAGE_SIZE
from meetings.voiceprints.services import summaries_for as voiceprint_summaries
from nexochat.errors import ServiceError
from nexochat.security import PERMISSIONS_POLICY


@organization_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    context = dashboard_data(request.user, request.organization)
    return render(request, "meetings/conference/dashboard.html", context)


def _requested_day(value, parse, fallback):
    """The day the query string asks for; `fallback` when it is missing, unreadable or out of range."""
    try:
        day = parse(value)
    except ValueError:
        return fallback
    return day if 1900 <= day.year <= 2999 else fallback


def _first_of_month(value):
    return datetime.datetime.strptime(value, "%Y-%m").date()


@organization_required
@require_safe
def calendar_month(request: HttpRequest) -> HttpResponse:
    zone = zone_for(request.user)
    today = local_today(request.user)
    first = _requested_day(request.GET.get("month", ""), _first_of_month, today.replace(day=1))
    weeks, start, end = month_weeks(first.year, first.month, zone)
    days = meetings_by_day(request.user, request.organization, start, end, zone)
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
@require_safe
def calendar_week(request: HttpRequest) -> HttpResponse:
    zone = zone_for(request.user)
    today = local_today(request.user)
    day = _requested_day(request.GET.get("date", ""), datetime.date.fromisoformat, today)
    dates, start, end = week_days(day, zone)
    days = meetings_by_day(request.user, request.organization, start, end, zone)
    monday = dates[0]
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
@require_safe
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


def _ics_response(body, filename):
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    body = ics.calendar_for([meeting], zone_for(request.user), name=meeting.title)
    return _ics_response(body, ics.filename_for(meeting))


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: no session, the secret in the address is the key. Unknown or revoked: 404."""
    user = user_for_feed_token(token)
    if user is None:
        raise Http404("No such feed.")
    body = ics.calendar_for(feed_meetings(user), zone_for(user))
    response = _ics_response(body, "nexochat.ics")
    response["Content-Disposition"] = "inline"
    response["X-Robots-Tag"] = "noindex"
    return response


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
    context = {
        "preference": preference,
        "feed_url": feed_url(request, preference),
        "timezones": sorted(valid_zone_names()),
        "voice_memory": voiceprint_summaries(request.user),
    }
    response = render(request, "meetings/conference/preferences.html", context)
    # The microphone is off everywhere else; here a member records their own voice for their voiceprint.
    response["Permissions-Policy"] = PERMISSIONS_POLICY.replace("microphone=()", "microphone=(self)")
    return response
