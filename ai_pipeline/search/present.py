"""A search outcome in words and as data, the same on the search page, in the API, in
`manage.py search` and in the chatbot's not-found answer."""

from django.utils import timezone
from django.utils.translation import gettext as _


def _quoted(words):
    return ", ".join(f"“{w}”" for w in words)


def _day(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def searched_lines(outcome, filters=None):
    """What was searched, one sentence each: the words, then what narrowed it."""
    filters = filters or {}
    lines = [_("Searched for: %(words)s.") % {"words": _quoted(outcome.terms or [outcome.query])}]
    when = outcome.when
    if when is not None:
        period = {"period": when.label}
        if not outcome.when_matched:
            lines.append(_("No meeting was held on %(period)s, so all meetings were searched.") % period)
        elif when.meeting:
            lines.append(_("Only meetings held on %(period)s.") % period)
        else:
            lines.append(_("Meetings held on %(period)s came first.") % period)
    if filters.get("speaker"):
        lines.append(_("Only what %(speaker)s said.") % {"speaker": filters["speaker"]})
    if filters.get("meeting"):
        lines.append(_("Only the chosen meeting."))
    if filters.get("date_from"):
        lines.append(_("Only meetings from %(date)s on.") % {"date": filters["date_from"]})
    if filters.get("date_to"):
        lines.append(_("Only meetings until %(date)s.") % {"date": filters["date_to"]})
    if filters.get("tag"):
        lines.append(_("Only meetings tagged %(tag)s.") % {"tag": filters["tag"]})
    return lines


def not_an_answer():
    return _("Not an answer, but close to what you asked:")


def describe_search(outcome, filters=None):
    return " ".join(searched_lines(outcome, filters))


def describe_suggestion(suggestion):
    """One near miss in a sentence (it is not an answer: the caller says so)."""
    meeting = {"title": suggestion.meeting_title, "date": _day(suggestion.held_at)}
    if suggestion.kind == "word":
        sentence = _("Your meetings say “%(replacement)s”, not “%(word)s”: “%(snippet)s” — %(title)s, %(date)s")
        return sentence % {
            "replacement": suggestion.replacement,
            "word": suggestion.word,
            "snippet": suggestion.hit.snippet,
            **meeting,
        }
    if suggestion.reason == "date":
        return _("The meeting held closest to that date: %(title)s (%(date)s)") % meeting
    return _("The meeting whose title and details come closest: %(title)s (%(date)s)") % meeting


def outcome_data(outcome, filters=None, meeting_name=None):
    """The outcome as JSON-ready data: found, what was searched, and the suggestions.
    meeting_name: how to name a meeting id (the CLI prints imported meetings' external ids)."""
    name = meeting_name or (lambda pk: pk)
    when = outcome.when
    return {
        "found": outcome.found,
        "searched": {
            "query": outcome.query,
            "terms": list(outcome.terms),
            "when": {
                "start": when.start.isoformat(),
                "end": when.end.isoformat(),
                "text": when.text,
                "names_meeting": when.meeting,
                "matched": outcome.when_matched,
            }
            if when is not None
            else None,
            "below_floor": outcome.below_floor,
            "text": describe_search(outcome, filters),
        },
        "suggestions": [
            {
                "kind": s.kind,
                "reason": s.reason,
                "query": s.query,
                "word": s.word,
                "replacement": s.replacement,
                "meeting": name(s.meeting_id),
                "meeting_title": s.meeting_title,
                "held_at": s.held_at.isoformat() if s.held_at else None,
                "position": s.hit.position if s.hit is not None else None,
                "start": round(s.hit.start, 2) if s.hit is not None else None,
                "snippet": s.hit.snippet if s.hit is not None else "",
                "text": describe_suggestion(s),
                "is_answer": False,
            }
            for s in outcome.suggestions
        ],
    }
