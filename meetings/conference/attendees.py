"""Who attends a meeting: members of its organization and people from outside it (guests), each guest
with a name, an email address or both. This is the one list: the meeting page's header, the schedule card,
the recap email and the API all read it through attendees_of. Both forms write it through set_attendees:
the meeting form ("participants" and "other participants") and the schedule form ("attendees", "guests")."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from meetings.conference.permissions import members_by_id
from meetings.models import Attendee
from nexochat.errors import ServiceError

MAX_GUESTS = 200
SUMMARY_LENGTH = 500  # Meeting.external_participants: the guests' names, kept for search


@dataclass
class Guest:
    email: str = ""
    name: str = ""

    @property
    def key(self):
        return self.email.lower() if self.email else "name:" + self.name.casefold()


def parse_guests(text):
    """Guests from text, one per line or comma-separated: `name <email>`, just the email, or just a name
    (a guest without an address gets no recap email)."""
    guests = []
    for raw in re.split(r"[\n,;]+", text or ""):
        raw = raw.strip()
        if not raw:
            continue
        match = re.fullmatch(r"(.*?)\s*<([^<>]*)>", raw)
        if match:
            name, email = match.group(1).strip().strip('"'), match.group(2).strip()
        elif "@" in raw:
            name, email = "", raw
        else:
            name, email = raw, ""
        if email or match:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise ServiceError(
                    _("Not an email address: %(value)s") % {"value": raw[:100]}, "invalid_email"
                ) from exc
        guests.append(Guest(email=email.lower(), name=name[:150]))
    return guests


def _guest_text(attendee):
    if attendee.name and attendee.email:
        return f"{attendee.name} <{attendee.email}>"
    return attendee.name or attendee.email


def format_guests(meeting, separator="\n"):
    """The guests as the forms show them, readable back by parse_guests."""
    return separator.join(_guest_text(a) for a in meeting.attendees.filter(user__isnull=True))


def _matching_row(rows, guest):
    if guest.email:
        return next((a for a in rows if a.email.lower() == guest.email), None)
    name = guest.name.casefold()
    return next((a for a in rows if a.name.casefold() == name and not a.email), None) or next(
        (a for a in rows if a.name.casefold() == name), None
    )


def set_attendees(meeting, member_ids=(), guests=()):
    """Replace the attendees. Rows for people already invited are kept, so a confirmed speaker stays.
    A guest given without an address loses the one stored before: the forms show it, so leaving it out
    is a choice."""
    members = members_by_id(meeting.organization, member_ids)
    guests = [g for g in guests if g.email or g.name]
    guests = list({g.key: g for g in guests}.values())
    if len(guests) > MAX_GUESTS:
        raise ServiceError(_("Too many guests."), "too_many")
    member_emails = {user.email.lower() for user in members}
    guests = [g for g in guests if not g.email or g.email.lower() not in member_emails]
    existing = list(meeting.attendees.all())
    keep = set()
    for user in members:
        row = next((a for a in existing if a.user_id == user.pk), None) or Attendee.objects.create(
            meeting=meeting, user=user
        )
        keep.add(row.pk)
    guest_rows = [a for a in existing if a.user_id is None]
    for guest in guests:
        row = _matching_row([a for a in guest_rows if a.pk not in keep], guest)
        if row is None:
            row = Attendee.objects.create(meeting=meeting, email=guest.email, name=guest.name)
        else:
            changed = {"email": guest.email}
            if guest.name:
                changed["name"] = guest.name
            changed = {field: value for field, value in changed.items() if getattr(row, field) != value}
            if changed:
                for field, value in changed.items():
                    setattr(row, field, value)
                row.save(update_fields=list(changed))
        keep.add(row.pk)
    meeting.attendees.exclude(pk__in=keep).delete()
    meeting.participants.set(members)
    summary = ", ".join(a.name or a.email for a in meeting.attendees.filter(user__isnull=True))[:SUMMARY_LENGTH]
    if summary != meeting.external_participants:
        meeting.external_participants = summary
        meeting.save(update_fields=["external_participants"])


def attendees_of(meeting):
    """Every attendee, members and guests. A member in `participants` without a row (a meeting saved before
    both forms wrote rows) gets one here."""
    have = set(meeting.attendees.filter(user__isnull=False).values_list("user_id", flat=True))
    missing = [pk for pk in meeting.participants.values_list("pk", flat=True) if pk not in have]
    if missing:
        Attendee.objects.bulk_create([Attendee(meeting=meeting, user_id=pk) for pk in missing], ignore_conflicts=True)
    return list(meeting.attendees.select_related("user", "speaker"))
