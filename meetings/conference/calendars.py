"""What the calendar shows: meetings between two instants, laid out by local day for the month and week
grids, and the meetings of a user's private feed. Days and times are the user's own time zone's."""

import calendar
import datetime
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from accounts.timezones import zone_for
from meetings.access import meetings_for
from meetings.models import Attendee


def local_today(user):
    return timezone.now().astimezone(zone_for(user)).date()


def ends_at(meeting):
    """A meeting without a duration is shown as an hour long."""
    return meeting.held_at + datetime.timedelta(minutes=meeting.duration_minutes or 60)


def meetings_between(user, organization, start, end):
    return (
        meetings_for(user, organization)
        .filter(held_at__gte=start, held_at__lt=end)
        .select_related("series")
        .order_by("held_at", "id")
    )


def meetings_by_day(user, organization, start, end, zone):
    """{local date: [meetings]} between two instants."""
    days = defaultdict(list)
    for meeting in meetings_between(user, organization, start, end):
        days[meeting.held_at.astimezone(zone).date()].append(meeting)
    return days


def month_weeks(year, month, zone):
    """[[date × 7]] covering the month, weeks starting on Monday, and the [start, end) instants."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start = datetime.datetime.combine(weeks[0][0], datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(weeks[-1][-1] + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return weeks, start, end


def week_days(day, zone):
    """The seven dates of the week (from Monday) that holds `day`, and the [start, end) instants."""
    monday = day - datetime.timedelta(days=day.weekday())
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=zone)
    return [monday + datetime.timedelta(days=n) for n in range(7)], start, start + datetime.timedelta(days=7)


def feed_meetings(user):
    """The user's meetings for their calendar feed: those they attend or created, from 90 days ago on."""
    since = timezone.now() - datetime.timedelta(days=90)
    attending = Attendee.objects.filter(user=user).values("meeting_id")
    return (
        meetings_for(user)
        .filter(Q(pk__in=attending) | Q(participants=user) | Q(created_by=user), held_at__gte=since)
        .distinct()
        .select_related("organization")
        .prefetch_related("agenda_items", "attendees__user")
        .order_by("held_at")[:500]
    )
