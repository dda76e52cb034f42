"""iCalendar (RFC 5545) output: one meeting's .ics and a user's private feed. Times are written with a
TZID in the reader's time zone (and a matching VTIMEZONE), so calendar apps show the right local time."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from meetings.conference.calendars import ends_at

PRODID = "-//NexoChat//Meetings//KO"


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
        lines.extend(f"{n}. {item.title}" for n, item in enumerate(agenda, 1))
    return "\n".join(lines).strip()


def meeting_event(meeting, zone):
    start = meeting.held_at.astimezone(zone)
    event = Event()
    event.add("uid", _uid(meeting))
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", start)
    event.add("dtend", ends_at(meeting).astimezone(zone))
    event.add("summary", meeting.title)
    event.add("sequence", int(meeting.updated_at.timestamp()) % 2**31 if meeting.updated_at else 0)
    event.add("last-modified", (meeting.updated_at or timezone.now()).astimezone(datetime.UTC))
    location = meeting.location or meeting.video_link
    if location:
        event.add("location", location)
    event.add("url", settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk]))
    agenda = list(meeting.agenda_items.all())
    description = _description(meeting, agenda)
    if description:
        event.add("description", description)
    for attendee in meeting.attendees.all():
        address = attendee.address
        if not address:
            continue
        person = vCalAddress(f"mailto:{address}")
        person.params["cn"] = vText(attendee.display_name)
        person.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", person, encode=0)
    return event


def calendar_for(meetings, zone, name="NexoChat"):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(zone))
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, zone))
    cal.add_missing_timezones()
    return cal.to_ical()


def filename_for(meeting):
    from meetings.transcript.exports import filename_for as export_name

    return export_name(meeting, "ics")
