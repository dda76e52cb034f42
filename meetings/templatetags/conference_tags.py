"""`{% conference_load meeting %}` adds what the meeting page's conference card shows (agenda, carried
action items, attendees, what changed since the series' last meeting), so the meeting page only has to
include the card."""

from django import template

from meetings.conference.attendees import attendees_of
from meetings.conference.calendars import ends_at, local_today
from meetings.conference.continuity import can_phrase, since_last_time
from meetings.conference.items import carried_action_items
from meetings.conference.permissions import can_manage
from meetings.models import Decision

register = template.Library()


def _card_context(meeting, user):
    return {
        "conference_loaded": True,
        "agenda": list(meeting.agenda_items.all()),
        "carried": list(carried_action_items(meeting, user)),
        "attendee_list": attendees_of(meeting),
        "can_manage": can_manage(user, meeting),
        "has_speakers": meeting.speakers.exists(),
        "end_at": ends_at(meeting),
        "decision_count": Decision.objects.filter(meeting=meeting).count(),
        "since_last": since_last_time(meeting, user, local_today(user)),
        "can_phrase": meeting.series_id is not None and can_phrase(meeting.organization),
    }


@register.simple_tag(takes_context=True)
def conference_load(context, meeting):
    if "conference_loaded" not in context:
        context.dicts[-1].update(_card_context(meeting, context["request"].user))
    return ""
