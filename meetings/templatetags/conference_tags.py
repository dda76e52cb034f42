"""`{% conference_load meeting %}` adds what the meeting page's conference card shows (agenda, carried
action items, attendees), so the meeting page only has to include the card."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def conference_load(context, meeting):
    if "conference_loaded" not in context:
        from meetings.conference.views import meeting_card_context

        context.dicts[-1].update(meeting_card_context(meeting, context["request"].user))
    return ""
