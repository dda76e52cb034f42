"""Recap emails: when a meeting's minutes are ready (or when someone presses "Send recap"), each
attendee gets the minutes and their own action items, as HTML and plain text. Members who opted out
get nothing; times are shown in each member's time zone."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.timezones import zone_for
from meetings.conference.attendees import attendees_of
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
    """Attendees who get the recap: members who did not opt out, and guests."""
    attendees = [a for a in attendees_of(meeting) if a.address]
    skip = _opted_out([a.user_id for a in attendees if a.user_id])
    return [a for a in attendees if a.user_id not in skip or a.user_id is None]


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
    }
    with translation.override(settings.LANGUAGE_CODE), timezone.override(zone):
        subject = _("Recap: %(title)s") % {"title": meeting.title}
        text = render_to_string("emails/recap.txt", context)
        html = render_to_string("emails/recap.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[attendee.address])
    message.attach_alternative(html, "text/html")
    return message


def send_recap(meeting):
    """Send the recap to every recipient; returns how many emails went out."""
    minutes = minutes_services.current_minutes(meeting)
    if minutes is None:
        raise ServiceError(_("There are no minutes to send yet."), "no_minutes")
    decisions = list(minutes_services.decisions_of(meeting).filter(superseded_by__isnull=True))
    items = list(ActionItem.objects.filter(meeting=meeting).select_related("assignee").order_by("position"))
    # The same minutes as the page and the exports: the current version under today's speaker names.
    data, markdown = minutes_services.presented(minutes), minutes_services.markdown_of(minutes)
    messages = [
        build_message(meeting, a, minutes, decisions, items, data=data, markdown=markdown) for a in recipients(meeting)
    ]
    if messages:
        get_connection().send_messages(messages)
    Meeting.objects.filter(pk=meeting.pk).update(recap_sent_at=timezone.now())
    return len(messages)


def send_recap_after_minutes(meeting):
    """Called by the minutes stage once minutes are saved: the first time only, and never failing the job."""
    if not getattr(settings, "RECAP_AUTO", True):
        return 0
    meeting.refresh_from_db(fields=["recap_sent_at"])
    if meeting.recap_sent_at is not None:
        return 0
    try:
        return send_recap(meeting)
    except Exception:
        logger.exception("recap email for meeting %s failed", meeting.pk)
        return 0
