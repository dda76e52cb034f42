"""Since last time: what changed between a series meeting and the one before it (the previous meeting's action
items as they stand now, decisions replaced since, topics that came back or were dropped, questions left open
and whether this meeting answered them). Built from the structured minutes and the item rows, no language model;
shown on the meeting card (the agenda of a meeting still to come), in the recap email and in the API."""

from dataclasses import dataclass, field

from ai_pipeline.minutes.continuity import compare
from meetings.access import meetings_for
from meetings.conference.items import is_overdue
from meetings.minutes.services import current_minutes
from meetings.models import ActionItem, Decision, ItemStatus

DONE, OVERDUE, OPEN, CANCELLED = "done", "overdue", "open", "cancelled"


@dataclass
class ItemNow:
    item: ActionItem
    state: str  # done, overdue, open or cancelled

    @property
    def owner(self):
        return self.item.assignee.display_name if self.item.assignee_id else self.item.owner_name


@dataclass
class SinceLastTime:
    previous: object  # the series' meeting before this one
    action_items: list = field(default_factory=list)  # ItemNow, in the previous minutes' order
    replaced: list = field(default_factory=list)  # (earlier Decision, later Decision) replaced since
    topics_returned: list = field(default_factory=list)  # (earlier title, this meeting's title)
    topics_dropped: list | None = None  # None while this meeting has no minutes
    open_questions: list = field(default_factory=list)  # {"text", "status", "by"}

    @property
    def is_empty(self):
        return not (
            self.action_items or self.replaced or self.topics_returned or self.topics_dropped or self.open_questions
        )


def previous_meeting(meeting, user):
    """The meeting of the same series held just before this one, among those the user may see."""
    if meeting.series_id is None or meeting.held_at is None:
        return None
    return (
        meetings_for(user)
        .filter(series_id=meeting.series_id, held_at__lt=meeting.held_at)
        .exclude(pk=meeting.pk)
        .order_by("-held_at", "-pk")
        .first()
    )


def _item_state(item, today):
    if item.status == ItemStatus.DONE:
        return DONE
    if item.status == ItemStatus.CANCELLED:
        return CANCELLED
    return OVERDUE if is_overdue(item, today) else OPEN


def since_last_time(meeting, user, today):
    """What changed since the previous meeting of the series; None outside a series or for its first meeting."""
    previous = previous_meeting(meeting, user)
    if previous is None:
        return None
    items = ActionItem.objects.filter(meeting=previous).select_related("assignee").order_by("position", "pk")
    replaced = (
        Decision.objects.filter(
            superseded_by__meeting__in=meetings_for(user),
            superseded_by__meeting__series_id=meeting.series_id,
            superseded_by__meeting__held_at__gt=previous.held_at,
            superseded_by__meeting__held_at__lte=meeting.held_at,
        )
        .select_related("meeting", "superseded_by__meeting")
        .order_by("superseded_by__meeting__held_at", "pk")
    )
    earlier, later = current_minutes(previous), current_minutes(meeting)
    changes = compare(earlier.data if earlier else {}, later.data if later else None)
    return SinceLastTime(
        previous=previous,
        action_items=[ItemNow(item, _item_state(item, today)) for item in items],
        replaced=[(decision, decision.superseded_by) for decision in replaced],
        topics_returned=changes["topics_returned"],
        topics_dropped=changes["topics_dropped"],
        open_questions=changes["open_questions"],
    )
