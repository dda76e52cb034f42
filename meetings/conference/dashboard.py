"""The home page's overview of one organization: what is coming up, the user's open action items, what
was processed lately and what is still being processed; for an organization without meetings yet, the
first steps instead."""

import datetime

from django.utils import timezone

from accounts.access import membership_in
from meetings.access import jobs_for, meetings_for
from meetings.conference.calendars import local_today
from meetings.conference.items import OPEN_STATUSES, action_items_for, soonest_due_first
from meetings.minutes.configuration import configured_provider_name, provider_label, provider_problem
from meetings.models import JobState, Meeting, MeetingStatus

OFFLINE_WRITERS = {"offline", "extractive"}


def first_steps(user, organization):
    """What a new organization does first, or None once it has a meeting. Inviting colleagues and connecting
    a language model are for owners and admins; members are told whom to ask."""
    if Meeting.objects.filter(organization=organization).exists():
        return None
    membership = membership_in(user, organization.pk)
    provider = configured_provider_name(organization)
    return {
        "admin": bool(membership and membership.is_admin),
        "has_colleagues": organization.memberships.exclude(user=user).exists(),
        "llm_connected": provider not in OFFLINE_WRITERS and not provider_problem(organization),
        "llm_label": provider_label(provider),
    }


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
        "first_steps": first_steps(user, organization),
    }
