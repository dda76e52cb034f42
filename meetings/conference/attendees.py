"""Who is invited to a meeting: members of its organization and guests by email. A member ticked as a
participant on the plain meeting form is an attendee too."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from meetings.conference.permissions import members_by_id
from meetings.models import Attendee
from nexochat.errors import ServiceError

MAX_GUESTS = 200


@dataclass
class Guest:
    email: str
    name: str = ""


def parse_guests(text):
    """Guests from text, one per line or comma-separated: `name <email>` or just `email`."""
    guests = []
    for raw in re.split(r"[\n,;]+", text or ""):
        raw = raw.strip()
        if not raw:
            continue
        match = re.fullmatch(r"(.*?)\s*<([^<>]+)>", raw)
        name, email = (match.group(1).strip().strip('"'), match.group(2).strip()) if match else ("", raw)
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ServiceError(_("Not an email address: %(value)s") % {"value": raw[:100]}, "invalid_email") from exc
        guests.append(Guest(email=email.lower(), name=name[:150]))
    return guests


def format_guests(meeting):
    return "\n".join(
        f"{a.name} <{a.email}>" if a.name else a.email for a in meeting.attendees.filter(user__isnull=True)
    )


def set_attendees(meeting, member_ids=(), guests=()):
    """Replace the attendees. Rows for people already invited are kept, so a confirmed speaker stays."""
    members = members_by_id(meeting.organization, member_ids)
    guests = list({g.email.lower(): g for g in guests}.values())
    if len(guests) > MAX_GUESTS:
        raise ServiceError(_("Too many guests."), "too_many")
    member_emails = {user.email.lower() for user in members}
    guests = [g for g in guests if g.email.lower() not in member_emails]
    existing = list(meeting.attendees.all())
    keep = set()
    for user in members:
        row = next((a for a in existing if a.user_id == user.pk), None) or Attendee.objects.create(
            meeting=meeting, user=user
        )
        keep.add(row.pk)
    for guest in guests:
        row = next((a for a in existing if a.user_id is None and a.email.lower() == guest.email), None)
        if row is None:
            row = Attendee.objects.create(meeting=meeting, email=guest.email, name=guest.name)
        elif guest.name and row.name != guest.name:
            row.name = guest.name
            row.save(update_fields=["name"])
        keep.add(row.pk)
    meeting.attendees.exclude(pk__in=keep).delete()
    meeting.participants.set(members)


def attendees_of(meeting):
    """Attendee rows, including members ticked as participants on the plain meeting form."""
    have = set(meeting.attendees.filter(user__isnull=False).values_list("user_id", flat=True))
    missing = [pk for pk in meeting.participants.values_list("pk", flat=True) if pk not in have]
    if missing:
        Attendee.objects.bulk_create([Attendee(meeting=meeting, user_id=pk) for pk in missing], ignore_conflicts=True)
    return list(meeting.attendees.select_related("user", "speaker"))
