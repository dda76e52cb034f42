"""Template helpers for the transcript panel, which the meeting page includes with only `meeting`
in its context: `{% transcript_load meeting %}` adds what the panel shows."""

from django import template

from .meeting_tags import hours_minutes_seconds

register = template.Library()


@register.simple_tag(takes_context=True)
def transcript_load(context, meeting):
    if "timeline" not in context:
        from meetings.transcript.views import transcript_context

        # Into the innermost layer (the include's own), so nothing outlives the panel.
        context.dicts[-1].update(transcript_context(meeting))
    return ""


@register.filter
def clock(seconds):
    """1:02:03 from an hour on, 2:03 below (seconds rounded down, as players show them)."""
    if seconds is None or seconds == "":
        return ""
    return hours_minutes_seconds(int(float(seconds)))


@register.filter
def percent(fraction):
    """0.746 -> 75% (whole percent, rounded down so 99.6% never reads as complete)."""
    if fraction is None or fraction == "":
        return ""
    return f"{int(float(fraction) * 100)}%"
