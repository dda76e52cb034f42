"""What changed between two meetings of a series, read from their structured minutes (no language model).

Topics and questions are compared by subject: the content words (Kiwi's morphemes for Korean, stemmed words
for English) that two lines share. Where the later meeting has no minutes yet (it is still to come), nothing
is claimed about it: a question stays "unknown" rather than "not answered"."""

import re

from ..llm.sentences import split_sentences
from ..search.text import morphemes, relevance_terms

# Two lines are about the same subject when this share of the shorter one's words is in the other.
SAME_SUBJECT = 0.5

ANSWERED = "answered"  # a decision of the later meeting is about it
STILL_OPEN = "still_open"  # the later meeting lists it as open again
NOT_DISCUSSED = "not_discussed"  # the later meeting's minutes say nothing about it
UNKNOWN = "unknown"  # the later meeting has no minutes yet


def subject(text):
    """The words that say what a line is about (question and function words, and words for the meeting
    itself, left out)."""
    return relevance_terms(morphemes(text or ""))


def same_subject(a, b):
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= SAME_SUBJECT


def _topic_titles(minutes):
    titles = []
    for topic in (minutes or {}).get("topics", []):
        title = topic.get("title", "") if isinstance(topic, dict) else str(topic)
        if title.strip():
            titles.append(title.strip())
    return titles


def _texts(minutes, key):
    found = []
    for entry in (minutes or {}).get(key, []):
        text = entry.get("text", "") if isinstance(entry, dict) else str(entry)
        if text.strip():
            found.append(text.strip())
    return found


def _subjects(lines):
    """(line, its subject) for each line: measured once, then compared with every earlier line."""
    return [(line, subject(line)) for line in lines]


def _first_match(text, candidates):
    wanted = subject(text)
    for candidate, words in candidates:
        if same_subject(wanted, words):
            return candidate
    return None


def compare(previous, current):
    """previous, current: the minutes' data (topics, decisions, open_questions); current may be None.

    Returns {"topics_returned": [(earlier title, later title)], "topics_dropped": [title] or None (unknown),
    "open_questions": [{"text", "status", "by"}]}; "by" is the later line that answers or repeats it."""
    earlier_topics = _topic_titles(previous)
    questions = _texts(previous, "open_questions")
    if current is None:
        return {
            "topics_returned": [],
            "topics_dropped": None,
            "open_questions": [{"text": q, "status": UNKNOWN, "by": ""} for q in questions],
        }
    later_topics = _subjects(_topic_titles(current))
    returned, dropped = [], []
    for title in earlier_topics:
        match = _first_match(title, later_topics)
        if match is None:
            dropped.append(title)
        else:
            returned.append((title, match))
    decisions = _subjects(_texts(current, "decisions"))
    reopened = _subjects(_texts(current, "open_questions"))
    followed = []
    for question in questions:
        answer = _first_match(question, decisions)
        again = None if answer else _first_match(question, reopened)
        status = ANSWERED if answer else STILL_OPEN if again else NOT_DISCUSSED
        followed.append({"text": question, "status": status, "by": answer or again or ""})
    return {"topics_returned": returned, "topics_dropped": dropped, "open_questions": followed}


# --- phrasing by a language model -----------------------------------------------------------------
# The structured comparison above is the record; a model may only say it in a few sentences. Each sentence
# must cite, as [n], a meeting it was given. A sentence without a valid citation is dropped rather than shown.

_MARKER = re.compile(r"\s*\[(\d{1,3})\]")
_LEADING_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])*")

PHRASING_SYSTEM = (
    "You summarise what changed between meetings of a series for the people about to meet again. "
    "Use only the facts given. Write at most four short sentences in {language}. End every sentence with the "
    "number of the meeting its facts come from, in square brackets, such as [1]. Never cite a number that is "
    "not listed. Do not add advice or facts that are not listed."
)


def phrasing_messages(facts, sources, language):
    """facts: [{"text", "source"}]; sources: [{"number", "title", "date"}]. Returns chat messages."""
    listed = "\n".join(f"[{s['number']}] {s['title']} ({s['date']})" for s in sources)
    lines = "\n".join(f"- {fact['text']} [{fact['source']}]" for fact in facts)
    user = f"Meetings:\n{listed}\n\nFacts:\n{lines}"
    return [
        {"role": "system", "content": PHRASING_SYSTEM.format(language=language)},
        {"role": "user", "content": user},
    ]


def checked_phrasing(text, sources):
    """(kept, dropped): the model's sentences that cite at least one given meeting, as [{"text", "sources":
    [numbers]}] with the markers removed, and how many sentences were dropped for citing none of them."""
    known = {s["number"] for s in sources}
    sentences = []
    for part in split_sentences(text or ""):
        # "... 확정했습니다. [2] 다음 문장": markers before a sentence's first word close the sentence before it
        leading = _LEADING_MARKERS.match(part).group(0)
        if leading and sentences:
            sentences[-1]["sources"] |= {int(n) for n in _MARKER.findall(leading)} & known
            part = part[len(leading) :]
        clean = _MARKER.sub("", part).strip()
        if clean:
            sentences.append({"text": clean, "sources": {int(n) for n in _MARKER.findall(part)} & known})
    kept = [{"text": s["text"], "sources": sorted(s["sources"])} for s in sentences if s["sources"]]
    return kept, len(sentences) - len(kept)
