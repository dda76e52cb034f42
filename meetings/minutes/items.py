"""Decision and action-item rows from a minutes version: matched to the rows of the previous version (same
text, similar text, or the same moment), so an item keeps its id, status, assignee and supersession
across edits and regenerations; owners matched to members by name."""

import datetime
import re

from accounts.models import User
from meetings.models import (
    ActionItem,
    Decision,
    ItemStatus,
    Speaker,
)


def comparable_text(text):
    return re.sub(r"\W+", "", (text or "").lower())


def _member_for_name(meeting, name, speakers):
    """A member whose speaker name or account name matches `name`."""
    key = comparable_text(name)
    if not key:
        return None
    for speaker in speakers:
        if speaker.member_id and key in {comparable_text(speaker.name), comparable_text(speaker.display_name)}:
            return speaker.member
    members = User.objects.filter(memberships__organization=meeting.organization)
    for user in members:
        names = {comparable_text(user.name), comparable_text(user.display_name)}
        if key in names or any(n and (n in key or key in n) and len(n) >= 2 for n in names if n):
            return user
    return None


def _pairs(text):
    text = comparable_text(text)
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _match(items, rows):
    """{position: row} pairing the version's items ({text, segment_id}) with the rows of the previous one:
    the same text first, then the most similar text (character pairs, Dice coefficient of at least 0.6),
    then an item rewritten in place (the same moment of the meeting)."""
    matched, free = {}, list(rows)

    def take(position, row):
        matched[position] = row
        free.remove(row)

    for position, item in enumerate(items):
        row = next((row for row in free if comparable_text(row.text) == comparable_text(item["text"])), None)
        if row is not None:
            take(position, row)
    scored = []
    for position, item in enumerate(items):
        if position in matched:
            continue
        for row in free:
            a, b = _pairs(item["text"]), _pairs(row.text)
            score = 2 * len(a & b) / (len(a) + len(b))
            if score >= 0.6:
                scored.append((score, -abs(position - row.position), position, row))
    for _score, _distance, position, row in sorted(scored, key=lambda entry: entry[:3], reverse=True):
        if position not in matched and row in free:
            take(position, row)
    for position, item in enumerate(items):
        row = next((row for row in free if item["segment_id"] and row.segment_id == item["segment_id"]), None)
        if position not in matched and row is not None:
            take(position, row)
    return matched


def sync_items(meeting, minutes, turns, *, edited=False, done=None):
    """Make the meeting's decision and action-item rows (the tracker) this version's. A row whose item is
    still there (the same or a similar text, or a text rewritten at the same moment) is updated in place,
    keeping its id, status, assignee and "superseded by" link; rows whose items are gone are deleted.
    After a regeneration a due date people set is kept; after an edit the edit's owner and due date win,
    and so do its [x] marks (`done`) when it was made from the current version (an earlier version's text
    shows no status, so it changes none)."""
    speakers = list(Speaker.objects.filter(meeting=meeting).select_related("member"))
    by_id = {s.pk: s for s in speakers}

    def where(item):
        line = item.get("line")
        turn = turns[line] if isinstance(line, int) and 0 <= line < len(turns) else None
        speaker = by_id.get(turn.speaker_id if turn else item.get("speaker_id"))
        return {
            "speaker": speaker,
            "speaker_name": (item.get("speaker") or (turn.speaker if turn else ""))[:100],
            "segment_id": turn.segment_id if turn else None,
            "start": turn.start if turn else item.get("start"),
        }

    decisions = minutes.data.get("decisions", [])
    keys = [{"text": item["text"], "segment_id": where(item)["segment_id"]} for item in decisions]
    rows = _match(keys, Decision.objects.filter(meeting=meeting))
    kept = []
    for position, item in enumerate(decisions):
        row = rows.get(position) or Decision(meeting=meeting)
        place = where(item)
        for field, value in place.items():
            setattr(row, field, value)
        row.minutes, row.text, row.position = minutes, item["text"], position
        if place["speaker"] is not None and place["speaker"].member_id:
            row.member = place["speaker"].member
        row.save()
        kept.append(row.pk)
    Decision.objects.filter(meeting=meeting).exclude(pk__in=kept).delete()

    actions = minutes.data.get("action_items", [])
    keys = [{"text": item["text"], "segment_id": where(item)["segment_id"]} for item in actions]
    rows = _match(keys, ActionItem.objects.filter(meeting=meeting))
    kept = []
    for position, item in enumerate(actions):
        due_date = datetime.date.fromisoformat(item["due_date"]) if item.get("due_date") else None
        owner = (item.get("owner") or "")[:100]
        row = rows.get(position)
        if row is None:
            row = ActionItem(meeting=meeting, assignee=_member_for_name(meeting, owner, speakers))
            row.status = ItemStatus.DONE if done and done[position] else ItemStatus.OPEN
            row.due_date = due_date
        elif edited:
            if comparable_text(row.owner_name) != comparable_text(owner):
                row.assignee = _member_for_name(meeting, owner, speakers)
            if done is not None and done[position]:
                row.status = ItemStatus.DONE
            elif done is not None and row.status == ItemStatus.DONE:
                row.status = ItemStatus.OPEN
            row.due_date = due_date
        else:
            row.assignee = row.assignee or _member_for_name(meeting, owner, speakers)
            row.due_date = row.due_date or due_date
        for field, value in where(item).items():
            setattr(row, field, value)
        row.minutes, row.text, row.position = minutes, item["text"], position
        row.owner_name, row.due_text = owner, (item.get("due") or "")[:100]
        row.save()
        kept.append(row.pk)
    ActionItem.objects.filter(meeting=meeting).exclude(pk__in=kept).delete()
