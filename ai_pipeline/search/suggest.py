"""Near misses for a search that found nothing: words of the archive one or two edits away from the
query's (speech-to-text wrote "lunch" where "launch" was said; "예상" for "예산"), and the meeting
whose title or date comes closest. They are offered as searches to try, never as answers. A meeting
suggestion names the meeting by id; the app adds its title and date (meetings/search/scope.py)."""

import re
from dataclasses import dataclass

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
    meeting_title: str = ""  # filled in by the app
    held_at: object = None  # filled in by the app
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


def suggestions(scope, outcome, *, text, mode, indexes, metadata):
    """Near misses for a search of `scope` (an engine Scope) that found nothing."""
    from .engine import explain_search

    found = []
    for word, replacement in near_words(text, indexes):
        # Offered only where the corrected search finds something this caller may see: the vocabulary
        # is the whole organization's, meetings shared with selected members included.
        query = corrected(text, word, replacement)
        retry = explain_search(scope, query, limit=1, mode=mode, suggest=False)
        if retry.hits:
            hit = retry.hits[0]
            found.append(Suggestion("word", query, word, replacement, hit, meeting_id=hit.meeting_id))
    # The meeting the question dates, else the one whose title and details hold its words.
    closest = closest_meeting(scope.searchable_times(), outcome.when) if outcome.when else None
    if closest is not None:
        found.append(Suggestion("meeting", meeting_id=closest, reason="date"))
    if metadata is not None and metadata != closest:
        found.append(Suggestion("meeting", meeting_id=metadata, reason="title"))
    return found


def closest_meeting(times, when):
    """The id of the meeting (`times`: {id: held_at}) held nearest to the period (within it first), or None."""
    from .engine import held_on

    inside = [(held, pk) for pk, held in times.items() if when.start <= held_on(held) <= when.end]
    if inside:
        return min(inside)[1]
    before = max(((held, pk) for pk, held in times.items() if held_on(held) < when.start), default=None)
    after = min(((held, pk) for pk, held in times.items() if held_on(held) > when.end), default=None)
    options = [option for option in (before, after) if option is not None]
    if not options:
        return None

    def distance(option):
        day = held_on(option[0])
        return (when.start - day).days if day < when.start else (day - when.end).days

    return min(options, key=distance)[1]
