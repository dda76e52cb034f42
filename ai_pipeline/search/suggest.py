"""Near misses for a search that found nothing: words of the archive one or two edits away from the
query's (speech-to-text wrote "lunch" where "launch" was said; "예상" for "예산"), and the meeting
whose title or date comes closest. They are offered as searches to try, never as answers."""

import re
from dataclasses import dataclass

from django.db.models import Q

from .text import QUESTION_STOPWORDS, NeighbourIndex, morphemes

MAX_WORDS = 3


@dataclass
class Suggestion:
    kind: str  # "word" (a word of the archive close to one asked) or "meeting"
    query: str = ""  # the search to try instead
    word: str = ""  # the word asked (word suggestions)
    replacement: str = ""  # the archive's word one or two edits from it
    hit: object = None  # where the replacement occurs (a SearchHit; not an answer)
    meeting_id: int | None = None  # the meeting suggested, or where the replacement occurs
    meeting_title: str = ""
    held_at: object = None
    reason: str = ""  # meetings: "title" (its title or details hold the query's words) or "date"


def neighbours_of(index):
    if index.neighbours is None:
        index.neighbours = NeighbourIndex(index.bm25.vocab_dict if index.bm25 is not None else ())
    return index.neighbours


def near_words(text, indexes):
    """[(asked, replacement)] for the query's words with a close word in the archive: words the archive
    lacks first (most likely misheard or misspelt), nearest first."""
    asked = [t for t in dict.fromkeys(morphemes(text)) if t not in QUESTION_STOPWORDS and len(t) > 1]
    asked = [t for t in asked if not t.replace(".", "").isdigit()]
    found = {}
    for index in indexes:
        vocab = index.bm25.vocab_dict if index.bm25 is not None else {}
        for order, word in enumerate(asked):
            for distance, candidate in neighbours_of(index).near(word):
                key = (word, candidate)
                rank = (word in vocab, distance, order)
                found[key] = min(found.get(key, rank), rank)
    return [pair for pair, _rank in sorted(found.items(), key=lambda item: item[1])][:MAX_WORDS]


def corrected(text, word, replacement):
    """The query with `word` replaced (matching case-insensitively), or the replacement alone where
    the word does not appear as written (a Korean stem changes its spelling when inflected)."""
    pattern = re.compile(re.escape(word), re.IGNORECASE)
    return pattern.sub(replacement, text, count=1) if pattern.search(text) else replacement


def suggestions(scope, outcome, *, text, filters, mode, indexes, metadata, allowed_meetings, hidden, org_ids):
    from .engine import explain_search

    found = []
    for word, replacement in near_words(text, indexes):
        # Offered only where the corrected search finds something this caller may see: the vocabulary
        # is the whole organization's, meetings shared with selected members included.
        query = corrected(text, word, replacement)
        retry = explain_search(scope, query, filters, limit=1, mode=mode, suggest=False)
        if retry.hits:
            hit = retry.hits[0]
            found.append(Suggestion("word", query, word, replacement, hit, meeting_id=hit.meeting_id))
    # The meeting the question dates, else the one whose title and details hold its words.
    closest = closest_meeting(org_ids, outcome.when, allowed_meetings, hidden) if outcome.when else None
    if closest is not None:
        found.append(Suggestion("meeting", meeting_id=closest, reason="date"))
    if metadata is not None and metadata != closest:
        found.append(Suggestion("meeting", meeting_id=metadata, reason="title"))
    return with_meetings(found)


def closest_meeting(org_ids, when, allowed_meetings, hidden):
    """The id of the meeting held nearest to the period (within it first), or None."""
    from meetings.models import Meeting

    meetings = Meeting.objects.filter(organization_id__in=org_ids)
    if allowed_meetings is not None:
        meetings = meetings.filter(pk__in=[int(pk) for pk in allowed_meetings])
    if hidden is not None and len(hidden):
        meetings = meetings.exclude(pk__in=[int(pk) for pk in hidden])
    inside = meetings.filter(held_at__date__gte=when.start, held_at__date__lte=when.end).order_by("held_at").first()
    if inside is not None:
        return inside.pk
    before = meetings.filter(held_at__date__lt=when.start).order_by("-held_at").first()
    after = meetings.filter(held_at__date__gt=when.end).order_by("held_at").first()
    options = [m for m in (before, after) if m is not None]
    if not options:
        return None

    def distance(meeting):
        from django.utils import timezone

        day = timezone.localtime(meeting.held_at).date()
        return (when.start - day).days if day < when.start else (day - when.end).days

    return min(options, key=distance).pk


def with_meetings(found):
    """Each suggestion with its meeting's title and date (one query)."""
    from meetings.models import Meeting

    ids = {s.meeting_id for s in found}
    meetings = {m.pk: m for m in Meeting.objects.filter(Q(pk__in=ids)).only("title", "held_at")} if ids else {}
    kept = []
    for suggestion in found:
        meeting = meetings.get(suggestion.meeting_id)
        if meeting is None:
            continue  # deleted meanwhile
        suggestion.meeting_title, suggestion.held_at = meeting.title, meeting.held_at
        kept.append(suggestion)
    return kept
