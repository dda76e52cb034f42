"""The home page's overview of one organization: what is coming up, the user's open action items, what
was processed lately and what is still being processed."""

import datetime

from django.utils import timezone

from meetings.access import jobs_for, meetings_for
from meetings.conference.calendars import local_today
from meetings.conference.items import OPEN_STATUSES, action_items_for, soonest_due_first
from meetings.models import JobState, MeetingStatus


def dashboard(user, organization):
    now = timezone.now()
    visible = meetings_for(user, organization)
    return {
        "upcoming": list(
            visible.filter(held_at__gte=now - datetime.timedelta(hours=1))
            .exclude(status__in=[MeetingStatus.READY])
            .select_related("series")
            .order_by("held_at")[:10]
        ),
        "my_items": list(
            action_items_for(user, organization)
            .filter(assignee=user, status__in=OPEN_STATUSES)
            .order_by(soonest_due_first(), "-meeting__held_at")[:20]
        ),
        "recent": list(visible.filter(status=MeetingStatus.READY).order_by("-updated_at")[:8]),
        "queue": list(
            jobs_for(user)
            .filter(meeting__organization=organization, state__in=[JobState.QUEUED, JobState.RUNNING])
            .select_related("meeting")
            .order_by("created_at")[:20]
        ),
        "today": local_today(user),
    }
