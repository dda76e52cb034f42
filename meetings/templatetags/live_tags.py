"""The meeting page's live recorder: `{% live_recorder meeting %}` renders it with the signed-in user's own
unfinished live session of that meeting, if any (the page then offers to continue or to finish it)."""

from django import template
from django.conf import settings

from meetings.live import services
from meetings.models import LiveSession, LiveState

register = template.Library()


@register.inclusion_tag("meetings/live/recorder.html", takes_context=True)
def live_recorder(context, meeting):
    request = context["request"]
    resumable = (
        LiveSession.objects.filter(
            meeting=meeting, owner=request.user, state__in=(LiveState.RECORDING, LiveState.FAILED)
        )
        .order_by("-pk")
        .first()
    )
    return {
        "meeting": meeting,
        "resumable": resumable,
        "next_sequence": services.chunk_summary(resumable)["next_sequence"] if resumable else 0,
        "csrf_token": context.get("csrf_token"),
        "chunk_max_bytes": settings.LIVE_CHUNK_MAX_BYTES,
    }
