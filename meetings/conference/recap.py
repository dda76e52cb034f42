"""Recap emails: each attendee with an address (members, and guests given an email) gets the minutes and
their own action items, as HTML and plain text. Sent when the meeting's creator or an admin confirms it,
after being shown who will receive it, and, where the organization turned it on, once by itself when a
meeting's first minutes are ready. Members who opted out get nothing; times are shown in each member's
time zone."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import audit
from accounts.timezones import zone_for
from meetings.conference.attendees import attendees_of
from meetings.conference.calendars import local_today
from meetings.conference.continuity import since_last_time
from meetings.conference.speakers import unassigned_items_named_for
from meetings.minutes import services as minutes_services
from meetings.models import ActionItem, Meeting, UserPreference
from nexochat.errors import ServiceError

logger = logging.getLogger(__name__)


def _opted_out(user_ids):
    return set(
        UserPreference.objects.filter(user_id__in=user_ids, recap_emails=False).values_list("user_id", flat=True)
    )


def recipients(meeting):
    """Attendees who get the recap: members who did not opt out, and guests with an email."""
    attendees = [a for a in attendees_of(meeting) if a.address]
    skip = _opted_out([a.user_id for a in attendees if a.user_id])
    return [a for a in attendees if a.user_id not in skip or a.user_id is None]


@dataclass
class RecapPlan:
    """What sending the recap now would do: who gets it, who does not and why, and whether it went before."""

    recipients: list = field(default_factory=list)
    opted_out: list = field(default_factory=list)  # members who turned recap emails off
    no_address: list = field(default_factory=list)  # guests known by name only
    has_minutes: bool = False
    sent_at: object = None


def recap_plan(meeting):
    attendees = attendees_of(meeting)
    to = recipients(meeting)
    sending = {a.pk for a in to}
    return RecapPlan(
        recipients=to,
        opted_out=[a for a in attendees if a.user_id and a.pk not in sending],
        no_address=[a for a in attendees if not a.user_id and not a.email],
        has_minutes=minutes_services.current_minutes(meeting) is not None,
        sent_at=meeting.recap_sent_at,
    )


def _own_items(attendee, items):
    if attendee.user_id:
        return [i for i in items if i.assignee_id == attendee.user_id]
    return unassigned_items_named_for(attendee, items)


def build_message(meeting, attendee, minutes, decisions, items, *, data=None, markdown=""):
    zone = zone_for(attendee.user if attendee.user_id else None)
    url = settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk])
    mine = _own_items(attendee, items)
    context = {
        "meeting": meeting,
        "attendee": attendee,
        "minutes": minutes,
        "data": data or {},
        "markdown": markdown,
        "decisions": decisions,
        "my_items": mine,
        "other_items": [i for i in items if i not in mine],
        "held_at": meeting.held_at.astimezone(zone),
        "zone": str(zone),
        "meeting_url": url if attendee.user_id else None,
        "preferences_url": settings.SITE_URL + reverse("conference:preferences") if attendee.user_id else None,
        # Members only, each with what they may see; a guest's recap covers this meeting alone.
        "since_last": since_last_time(meeting, attendee.user, local_today(attendee.user)) if attendee.user_id else None,
    }
    with translation.override(settings.LANGUAGE_CODE), timezone.override(zone):
        subject = _("Recap: %(title)s") % {"title": meeting.title}
        text = render_to_string("emails/recap.txt", context)
        html = render_to_string("emails/recap.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[attendee.address])
    message.attach_alternative(html, "text/html")
    return message


def send_recap(meeting):
    """Send the recap to every recipient; returns the attendees it went to."""
    minutes = minutes_services.current_minutes(meeting)
    if minutes is None:
        raise ServiceError(_("There are no minutes to send yet."), "no_minutes")
    decisions = list(minutes_services.decisions_of(meeting).filter(superseded_by__isnull=True))
    items = list(ActionItem.objects.filter(meeting=meeting).select_related("assignee").order_by("position"))
    # The same minutes as the page and the exports: the current version under today's speaker names.
    data, markdown = minutes_services.presented(minutes), minutes_services.markdown_of(minutes)
    to = recipients(meeting)
    messages = [build_message(meeting, a, minutes, decisions, items, data=data, markdown=markdown) for a in to]
    if messages:
        get_connection().send_messages(messages)
    meeting.recap_sent_at = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(recap_sent_at=meeting.recap_sent_at)
    return to


def sends_automatically(organization):
    """The organization's choice (off unless an admin turned it on), under the server's RECAP_AUTO."""
    return getattr(settings, "RECAP_AUTO", True) and organization.recap_after_minutes


def set_recap_after_minutes(organization, enabled, user=None):
    enabled = bool(enabled)
    if organization.recap_after_minutes != enabled:
        organization.recap_after_minutes = enabled
        organization.save(update_fields=["recap_after_minutes"])
        audit.record(user, organization, "organization.recap_after_minutes", organization, enabled=enabled)
    return organization


def send_recap_after_minutes(meeting):
    """Called by the minutes stage once minutes are saved: the first time only, where the organization
    asked for it, and never failing the job. Returns how many emails went out."""
    if not sends_automatically(meeting.organization):
        return 0
    meeting.refresh_from_db(fields=["recap_sent_at"])
    if meeting.recap_sent_at is not None:
        return 0
    try:
        return len(send_recap(meeting))
    except Exception:
        logger.exception("recap email for meeting %s failed", meeting.pk)
        return 0
