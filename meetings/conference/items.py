"""What meetings produce and later meetings follow up: action items, tracked until done (and carried onto
the next meeting of a series while open), and decisions, which a later decision can supersede."""

import datetime

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from meetings.access import meetings_for
from meetings.conference.calendars import local_today
from meetings.models import ActionItem, Decision, ItemStatus
from nexochat.errors import ServiceError
from nexochat.ids import MAX_ID

OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)


def moment_url(item):
    """The meeting page at the moment the item was said (?t=seconds)."""
    url = reverse("meetings:detail", args=[item.meeting_id])
    return f"{url}?t={int(item.start)}" if item.start is not None else url


def _in_meeting_or_series(queryset, meeting, series):
    if meeting:
        queryset = queryset.filter(meeting_id=meeting)
    if series:
        queryset = queryset.filter(meeting__series_id=series)
    return queryset


# --- action items ----------------------------------------------------------------------------


def action_items_for(user, organization=None):
    return ActionItem.objects.filter(meeting__in=meetings_for(user, organization)).select_related(
        "meeting", "meeting__series", "assignee"
    )


def soonest_due_first():
    """Ordering by due date with the items that have none at the end."""
    return F("due_date").asc(nulls_last=True)


def filter_action_items(queryset, user, *, assignee="", status="", due="", meeting=None, series=None, q=""):
    """assignee: "me", "none" or a user id; status: an ItemStatus or "active" (open or in progress);
    due: "overdue", "week" (within 7 days) or "none" (no due date)."""
    today = local_today(user)
    if assignee == "me":
        queryset = queryset.filter(assignee=user)
    elif assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif str(assignee).isdigit():
        number = int(assignee)
        queryset = queryset.filter(assignee_id=number) if number <= MAX_ID else queryset.none()
    if status == "active":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status in ItemStatus.values:
        queryset = queryset.filter(status=status)
    if due == "overdue":
        queryset = queryset.filter(due_date__lt=today, status__in=OPEN_STATUSES)
    elif due == "week":
        queryset = queryset.filter(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=7))
    elif due == "none":
        queryset = queryset.filter(due_date__isnull=True)
    queryset = _in_meeting_or_series(queryset, meeting, series)
    if q:
        queryset = queryset.filter(Q(text__icontains=q) | Q(owner_name__icontains=q))
    return queryset.order_by(soonest_due_first(), "-meeting__held_at", "position")


def is_overdue(item, today):
    return item.due_date is not None and item.due_date < today and item.status in OPEN_STATUSES


def set_item_status(item, status):
    if status not in ItemStatus.values:
        raise ServiceError(_("Unknown status."), "invalid_status")
    item.status = status
    item.save(update_fields=["status", "updated_at"])
    return item


def carried_action_items(meeting, user):
    """Open action items from earlier meetings of the series: they are on this meeting's agenda until done."""
    if meeting.series_id is None:
        return ActionItem.objects.none()
    return (
        ActionItem.objects.filter(
            meeting__in=meetings_for(user),
            meeting__series_id=meeting.series_id,
            meeting__held_at__lt=meeting.held_at,
            status__in=OPEN_STATUSES,
        )
        .exclude(meeting=meeting)
        .select_related("meeting", "assignee")
        .order_by("meeting__held_at", "position")
    )


# --- decisions -------------------------------------------------------------------------------


def decisions_for(user, organization=None):
    return Decision.objects.filter(meeting__in=meetings_for(user, organization)).select_related(
        "meeting", "meeting__series", "member", "speaker", "speaker__member", "superseded_by", "superseded_by__meeting"
    )


def filter_decisions(queryset, *, q="", meeting=None, series=None, include_superseded=True):
    if q:
        queryset = queryset.filter(Q(text__icontains=q) | Q(speaker_name__icontains=q) | Q(meeting__title__icontains=q))
    queryset = _in_meeting_or_series(queryset, meeting, series)
    if not include_superseded:
        queryset = queryset.filter(superseded_by__isnull=True)
    return queryset.order_by("-meeting__held_at", "meeting_id", "position")


MAX_REPLACEMENTS = 200


def replacement_choices(user, organization, decisions):
    """For each decision, the decisions that may replace it (held at the same time or later), newest first,
    so a person picks one by its words instead of typing its id."""
    pool = list(
        decisions_for(user, organization)
        .filter(superseded_by__isnull=True)
        .order_by("-meeting__held_at", "-pk")[:MAX_REPLACEMENTS]
    )
    choices = {}
    for decision in decisions:
        later = [c for c in pool if c.pk != decision.pk and c.meeting.held_at >= decision.meeting.held_at]
        current = decision.superseded_by
        if current is not None and all(c.pk != current.pk for c in later):
            later.insert(0, current)
        choices[decision.pk] = later
    return choices


def supersede(earlier, later):
    """Mark `later` as replacing `earlier`. Both must be in one organization; no cycles."""
    if earlier.pk == later.pk:
        raise ServiceError(_("A decision cannot supersede itself."), "invalid")
    if earlier.meeting.organization_id != later.meeting.organization_id:
        raise ServiceError(_("Unknown decision."), "invalid")
    if later.meeting.held_at < earlier.meeting.held_at:
        raise ServiceError(_("Only a later decision can supersede an earlier one."), "not_later")
    step, seen = later, set()
    while step is not None and step.pk not in seen:
        if step.pk == earlier.pk:
            raise ServiceError(_("That would make a loop of decisions."), "cycle")
        seen.add(step.pk)
        step = step.superseded_by
    earlier.superseded_by = later
    earlier.save(update_fields=["superseded_by", "updated_at"])
    return earlier


def clear_supersede(decision):
    decision.superseded_by = None
    decision.save(update_fields=["superseded_by", "updated_at"])
    return decision
