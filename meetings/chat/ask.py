"""Questions to the archive: retrieval kept to what the asker may see, then the chatbot's answer.

Retrieval searches through meetings.search (the asker's organizations, minus meetings withheld from
them, before ranking) and pairs each hit with its meeting's title and date; the answer is written from
those Sources by ai_pipeline.chat (prompts, the provider, checked citations).

    from meetings.chat.ask import answer, stream_answer
    result = answer(request.user, "예산은 얼마로 정했나요?", filters={"meeting": [meeting.pk]})
"""

from functools import partial

from ai_pipeline import chat
from ai_pipeline.chat.core import CONTEXT_PASSAGES
from meetings.models import Meeting
from meetings.search import explain_search


def retrieval(scope, question, *, filters=None, limit=CONTEXT_PASSAGES, relevance=None):
    """(sources, search outcome) for `question` among the passages `scope` may see: the Sources of the
    first `limit` passages that clear the relevance floor, best first, numbered from 1. No sources means
    nothing relevant was found; the outcome then says what was searched and holds the near misses.

    scope is what meetings.search.search takes: a user (their organizations, minus meetings meetings_for
    withholds) or organization ids. relevance: overrides of the floor (bench/chat.py)."""
    outcome = explain_search(scope, question, filters=filters, limit=limit * 2, relevance=relevance)
    if not outcome.hits:
        return [], outcome
    rows = Meeting.objects.filter(pk__in={h.meeting_id for h in outcome.hits}).values_list("pk", "title", "held_at")
    meetings = {pk: (title, held_at) for pk, title, held_at in rows}
    return chat.sources_from_hits(outcome.hits, meetings, limit), outcome


def retrieve(scope, question, **kwargs):
    """The sources of retrieval(), best first."""
    return retrieval(scope, question, **kwargs)[0]


def stream_answer(scope, question, *, history=(), filters=None, provider=None):
    """Yield text deltas as the answer to `question` is written from what `scope` may see, then one
    Answer (see ai_pipeline.chat.stream_answer)."""
    retrieve_for = partial(retrieval, scope, filters=filters)
    return chat.stream_answer(question, retrieve_for, history=history, filters=filters, provider=provider)


def answer(scope, question, *, history=(), filters=None, provider=None):
    """stream_answer, consumed: the Answer."""
    retrieve_for = partial(retrieval, scope, filters=filters)
    return chat.answer(question, retrieve_for, history=history, filters=filters, provider=provider)
