"""Since last time: what changed between a series meeting and the one before it (the previous meeting's action
items as they stand now, decisions replaced since, topics that came back or were dropped, questions left open
and whether this meeting answered them). Built from the structured minutes and the item rows, no language model;
shown on the meeting card (the agenda of a meeting still to come), in the recap email and in the API."""

import hashlib
import json
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ai_pipeline.minutes.continuity import checked_phrasing, compare, phrasing_messages
from meetings.access import meetings_for
from meetings.conference.items import is_overdue
from meetings.minutes.configuration import configured_provider_name, provider_for
from meetings.minutes.services import current_minutes
from meetings.models import ActionItem, Decision, ItemStatus
from nexochat.errors import ServiceError

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


# --- the same, phrased by the organization's language model ---------------------------------------
PHRASING_CACHE_SECONDS = 24 * 3600


@dataclass
class Phrasing:
    sentences: list = field(default_factory=list)  # {"text", "meetings": [Meeting]}
    error: str = ""  # why nothing could be phrased; the list stays the record either way
    dropped: int = 0  # sentences the model wrote without citing a meeting it was given


def can_phrase(organization):
    return configured_provider_name(organization) != "offline"


def _facts(since, meeting):
    """Plain lines for the model, each with the number of the meeting it comes from, and those meetings."""
    numbered = {since.previous.pk: 1, meeting.pk: 2}
    by_number = {1: since.previous, 2: meeting}

    def number_of(other):
        if other.pk not in numbered:
            numbered[other.pk] = len(numbered) + 1
            by_number[numbered[other.pk]] = other
        return numbered[other.pk]

    facts = []
    for now in since.action_items:
        owner = now.owner or "no owner"
        facts.append({"text": f"Action item “{now.item.text}” ({owner}): {now.state}", "source": 1})
    for earlier, later in since.replaced:
        text = f"Decision “{earlier.text}” was replaced by “{later.text}”"
        facts.append({"text": text, "source": number_of(later.meeting)})
    for earlier, later in since.topics_returned:
        facts.append({"text": f"Topic “{earlier}” came back as “{later}”", "source": 2})
    for title in since.topics_dropped or ():
        facts.append({"text": f"Topic “{title}” was not taken up again", "source": 2})
    for question in since.open_questions:
        status = question["status"].replace("_", " ")
        answer = f": “{question['by']}”" if question["by"] else ""
        source = 1 if question["status"] == "unknown" else 2
        facts.append({"text": f"Open question “{question['text']}”: {status}{answer}", "source": source})
    cited = {fact["source"] for fact in facts}
    return facts, {n: m for n, m in by_number.items() if n in cited}


def phrase_since_last_time(since, meeting):
    """A few cited sentences saying what `since` lists, written by the organization's model; cached by what
    was asked, so a page shown again costs no second call."""
    from ai_pipeline.llm import LLMError

    facts, by_number = _facts(since, meeting)
    if not facts:
        return Phrasing()
    sources = [
        {"number": n, "title": m.title, "date": f"{m.held_at:%Y-%m-%d}" if m.held_at else ""}
        for n, m in by_number.items()
    ]
    language = "Korean" if (get_language() or "ko").startswith("ko") else "English"
    messages = phrasing_messages(facts, sources, language)
    try:
        provider = provider_for(meeting.organization)
        key = (
            "since-last-time:"
            + hashlib.sha256(
                json.dumps([provider.name, getattr(provider, "model", ""), messages], ensure_ascii=False).encode()
            ).hexdigest()
        )
        text = cache.get(key)
        if text is None:
            text = provider.complete(messages, max_tokens=400, temperature=0.2).text
            cache.set(key, text, PHRASING_CACHE_SECONDS)
    except (LLMError, ServiceError) as error:
        return Phrasing(error=_("The language model could not write this summary (%(reason)s).") % {"reason": error})
    kept, dropped = checked_phrasing(text, sources)
    sentences = [{"text": s["text"], "meetings": [by_number[n] for n in s["sources"]]} for s in kept]
    return Phrasing(sentences=sentences, dropped=dropped)
