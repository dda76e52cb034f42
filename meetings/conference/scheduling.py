"""Meetings planned before they happen: time, place, agenda and attendees, and recurring series whose
next meetings are created at the series' interval."""

import calendar
import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import organizations_for
from accounts.timezones import zone_for
from meetings.conference.attendees import Guest, attendees_of, set_attendees
from meetings.conference.permissions import members_by_id
from meetings.models import AgendaItem, Recurrence, Series
from meetings.services import create_meeting
from nexochat.errors import ServiceError

MAX_OCCURRENCES = 52
MAX_AGENDA = 50


def set_agenda(meeting, items):
    """Replace the agenda. `items` are titles or dicts with title, notes and duration_minutes."""
    rows = []
    for position, item in enumerate(items):
        item = {"title": item} if isinstance(item, str) else dict(item)
        title = (item.get("title") or "").strip()[:300]
        if not title:
            continue
        rows.append(
            AgendaItem(
                meeting=meeting,
                position=position,
                title=title,
                notes=(item.get("notes") or "").strip(),
                duration_minutes=item.get("duration_minutes") or None,
            )
        )
    if len(rows) > MAX_AGENDA:
        raise ServiceError(_("An agenda can have at most %(n)s items.") % {"n": MAX_AGENDA}, "too_many")
    AgendaItem.objects.filter(meeting=meeting).delete()
    AgendaItem.objects.bulk_create(rows)


# --- series ----------------------------------------------------------------------------------


def create_series(organization, user, *, name, recurrence=Recurrence.WEEKLY, description=""):
    name = (name or "").strip()[:200]
    if not name:
        raise ServiceError(_("A series needs a name."), "invalid")
    if recurrence not in Recurrence.values:
        raise ServiceError(_("Unknown recurrence."), "invalid")
    return Series.objects.create(
        organization=organization, name=name, recurrence=recurrence, description=description, created_by=user
    )


def series_for(user, organization=None):
    queryset = Series.objects.filter(organization__in=organizations_for(user))
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    return queryset


def _wrong_series():
    return ServiceError(_("Choose a series of this organization."), "unknown_series")


def series_in(organization, series_id):
    """The organization's series with that id; None for no id."""
    if series_id is None:
        return None
    series = Series.objects.filter(organization=organization, pk=series_id).first()
    if series is None:
        raise _wrong_series()
    return series


def _check_series(organization, series):
    if series is not None and series.organization_id != organization.pk:
        raise _wrong_series()


def _local_shift(moment, zone, recurrence, n):
    """The n-th repetition of `moment`, keeping its local wall-clock time in `zone`."""
    local = moment.astimezone(zone).replace(tzinfo=None)
    if recurrence == Recurrence.WEEKLY:
        local += datetime.timedelta(weeks=n)
    elif recurrence == Recurrence.BIWEEKLY:
        local += datetime.timedelta(weeks=2 * n)
    elif recurrence == Recurrence.MONTHLY:
        month_index = local.month - 1 + n
        year, month = local.year + month_index // 12, month_index % 12 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        local = local.replace(year=year, month=month, day=day)
    return local.replace(tzinfo=zone)


# --- schedule --------------------------------------------------------------------------------


def _clean_duration(value):
    value = int(value or 60)
    if not 1 <= value <= 24 * 60:
        raise ServiceError(_("A meeting lasts between 1 minute and 24 hours."), "invalid_duration")
    return value


@transaction.atomic
def schedule_meeting(
    organization,
    user,
    *,
    title,
    held_at,
    duration_minutes=60,
    location="",
    video_link="",
    language="ko",
    description="",
    series=None,
    agenda=(),
    member_ids=(),
    guests=(),
    occurrences=1,
):
    """Create a meeting before it happens. With a series and occurrences > 1, the next ones follow at the
    series' interval, each with the same agenda and attendees. Returns the meetings created."""
    _check_series(organization, series)
    duration_minutes = _clean_duration(duration_minutes)
    occurrences = int(occurrences or 1)
    if not 1 <= occurrences <= MAX_OCCURRENCES:
        raise ServiceError(_("Between 1 and %(n)s meetings at once.") % {"n": MAX_OCCURRENCES}, "invalid")
    if occurrences > 1 and (series is None or series.recurrence == Recurrence.NONE):
        raise ServiceError(_("Choose a repeating series to schedule several meetings."), "invalid_series")
    members = members_by_id(organization, member_ids)
    zone = zone_for(user)
    created = []
    for n in range(occurrences):
        when = _local_shift(held_at, zone, series.recurrence, n) if n else held_at
        meeting = create_meeting(
            organization, user, title=title, held_at=when, language=language, description=description
        )
        meeting.duration_minutes = duration_minutes
        meeting.location = (location or "").strip()[:200]
        meeting.video_link = (video_link or "").strip()[:500]
        meeting.series = series
        meeting.save(update_fields=["duration_minutes", "location", "video_link", "series", "updated_at"])
        set_agenda(meeting, agenda)
        set_attendees(meeting, [u.pk for u in members], guests)
        created.append(meeting)
    return created


@transaction.atomic
def update_schedule(
    meeting,
    *,
    title=None,
    held_at=None,
    duration_minutes=None,
    location=None,
    video_link=None,
    series=...,
    agenda=None,
    member_ids=None,
    guests=None,
):
    """Change what was sent; None (or ... for series) keeps the current value."""
    changes = {
        "title": title.strip()[:200] if title is not None else None,
        "held_at": held_at,
        "duration_minutes": _clean_duration(duration_minutes) if duration_minutes is not None else None,
        "location": location.strip()[:200] if location is not None else None,
        "video_link": video_link.strip()[:500] if video_link is not None else None,
    }
    fields = ["updated_at"]
    for name, value in changes.items():
        if value is not None:
            setattr(meeting, name, value)
            fields.append(name)
    if series is not ...:
        _check_series(meeting.organization, series)
        meeting.series = series
        fields.append("series")
    meeting.save(update_fields=fields)
    if agenda is not None:
        set_agenda(meeting, agenda)
    if member_ids is not None or guests is not None:
        current = attendees_of(meeting)
        if member_ids is None:
            member_ids = [a.user_id for a in current if a.user_id]
        if guests is None:
            guests = [Guest(a.email, a.name) for a in current if a.user_id is None]
        set_attendees(meeting, member_ids, guests)
    return meeting
