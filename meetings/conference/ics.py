"""iCalendar (RFC 5545) output: one meeting's .ics and a user's private feed. Times are written with a
TZID in the reader's time zone (and a matching VTIMEZONE), so calendar apps show the right local time."""

import datetime
import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from meetings.conference.calendars import ends_at

PRODID = "-//NexoChat//Meetings//KO"

# RFC 5545 TEXT allows no control characters but tab; a line break inside a value is written escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _text(value, *, one_line=False):
    """A value as calendar text: a title or name stays on one line (a raw CR or LF there would let it
    start a forged property), control characters go, and vText escapes what is left."""
    value = _LINE_BREAK.sub(" " if one_line else "\n", value or "")
    return vText(_CONTROL.sub(" ", value))


def _uid(meeting):
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "nexochat"
    return f"meeting-{meeting.pk}@{host}"


def _description(meeting, agenda):
    lines = []
    if meeting.description:
        lines.append(meeting.description.strip())
    if meeting.video_link:
        lines.append(meeting.video_link)
    if agenda:
        lines.append("")
        lines.extend(f"{n}. {' '.join(item.title.splitlines())}" for n, item in enumerate(agenda, 1))
    return "\n".join(lines).strip()


def meeting_event(meeting, zone):
    start = meeting.held_at.astimezone(zone)
    event = Event()
    event.add("uid", _uid(meeting))
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", start)
    event.add("dtend", ends_at(meeting).astimezone(zone))
    event.add("summary", _text(meeting.title, one_line=True))
    event.add("sequence", int(meeting.updated_at.timestamp()) % 2**31 if meeting.updated_at else 0)
    event.add("last-modified", (meeting.updated_at or timezone.now()).astimezone(datetime.UTC))
    location = meeting.location or meeting.video_link
    if location:
        event.add("location", _text(location, one_line=True))
    event.add("url", settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk]))
    agenda = list(meeting.agenda_items.all())
    description = _description(meeting, agenda)
    if description:
        event.add("description", _text(description))
    for attendee in meeting.attendees.all():
        address = attendee.address
        if not address:
            continue
        person = vCalAddress(f"mailto:{address}")
        person.params["cn"] = _text(attendee.display_name, one_line=True)
        person.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", person, encode=0)
    return event


def calendar_for(meetings, zone, name="NexoChat"):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _text(name, one_line=True))
    cal.add("x-wr-timezone", str(zone))
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, zone))
    cal.add_missing_timezones()
    return cal.to_ical()


def filename_for(meeting):
    from meetings.transcript.exports import filename_for as export_name

    return export_name(meeting, "ics")
