"""The archive chatbot's answers: retrieved passages (Sources) -> a prompt with them as delimited,
untrusted context -> the LLM provider -> an answer whose inline citations [n] are checked against the
passages actually retrieved.

Retrieval is the caller's: `retrieve(question)` returns (sources, search outcome). The app's retrieval
(meetings/chat/ask.py) searches what the asker may see and turns the hits into Sources with
sources_from_hits. Only passages that clear the search's relevance floor are used: fused scores say
which passages are closest, not whether any is on topic. When none clears it the bot says NOT_FOUND,
then what it searched for and the near misses the search offers, marked as not an answer."""

import logging
import re
from dataclasses import dataclass, field, replace

from django.utils import timezone
from django.utils.translation import gettext as _

from .prompts import NOT_FOUND, answer_messages, condense_messages

logger = logging.getLogger(__name__)

CONTEXT_PASSAGES = 6  # passages retrieved for a question
ANSWER_PASSAGES = 4  # of those, the ones the answer is written from (the model's prompt, or quoted)
# Another meeting's passages join the answer only when its best one scores this close to the best.
OTHER_MEETING_SCORE = 0.8
HISTORY_MESSAGES = 6  # earlier messages the model sees
ANSWER_TOKENS = 800

_CITATION = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


@dataclass
class Source:
    """A retrieved passage, numbered as the prompt shows it."""

    number: int
    passage_id: int
    meeting_id: int
    meeting_title: str
    held_at: object
    kind: str
    position: int
    start: float
    speaker: str
    text: str  # the whole passage (what the model reads)
    quote: str  # the segment quoted (what the offline answer quotes)
    dense: float
    lexical: float
    score: float
    group: int = 0  # which retrieved passage it was quoted from (best first)

    @property
    def timestamp(self):
        seconds = int(self.start)
        return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"

    def citation(self):
        return {
            "n": self.number,
            "meeting_id": self.meeting_id,
            "position": self.position,
            "start": round(self.start, 2),
            "passage_id": self.passage_id,
        }


@dataclass
class Answer:
    text: str
    citations: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    question: str = ""  # the standalone question that was searched
    found: bool = True
    provider: str = ""
    extractive: bool = False
    note: str = ""  # e.g. the language model failed and passages were quoted instead


# --- sources -------------------------------------------------------------------------------------


def sources_from_hits(hits, meetings, limit=CONTEXT_PASSAGES):
    """Sources from search hits (best first, each with its passage's spans): from each of the first
    `limit` passages, the segment that answers best (with the question it answers, or the reply it got:
    quoted_spans), numbered from 1. meetings: {meeting id: (title, held_at)}; a hit whose meeting is not
    there (deleted meanwhile) is left out."""
    sources, seen, groups = [], set(), 0
    for hit in hits:
        if hit.meeting_id not in meetings:
            continue
        title, held_at = meetings[hit.meeting_id]
        said = quoted_spans(hit, hit.spans or [])
        said = [span for span in said if (hit.meeting_id, span[0]) not in seen]
        if hit.kind == "transcript" and not said:
            continue  # its segments are quoted from a passage before it (passages overlap)
        for span in said or [None]:
            if span is not None:
                seen.add((hit.meeting_id, span[0]))
            sources.append(
                Source(
                    number=len(sources) + 1,
                    passage_id=hit.passage_id,
                    meeting_id=hit.meeting_id,
                    meeting_title=title,
                    held_at=timezone.localtime(held_at),
                    kind=hit.kind,
                    position=span[0] if span else hit.position or 0,
                    start=span[1] if span else hit.start,
                    speaker=(span[6] if len(span) > 6 and span[6] else span[5]) if span else "",
                    text=hit.text,
                    quote=one_line(hit.text[span[3] : span[4]] if span else hit.text),
                    dense=hit.dense,
                    lexical=hit.lexical,
                    score=hit.score,
                    group=groups,
                )
            )
        groups += 1
        if groups >= limit:
            break
    return sources


def quoted_spans(hit, spans):
    """The segments of a hit's passage (`spans`: the passage's) to quote: the one that answers best,
    with the reply it got when it is a question, or with the question it answers when another speaker
    asked one just before (hearings are question and answer; either half alone is half the answer)."""
    for i, span in enumerate(spans):
        if span[0] != hit.position:
            continue
        text = hit.text[span[3] : span[4]].strip()
        if text.endswith("?") and i + 1 < len(spans):
            return [span, spans[i + 1]]
        if i > 0 and hit.text[spans[i - 1][3] : spans[i - 1][4]].strip().endswith("?") and spans[i - 1][5] != span[5]:
            return [spans[i - 1], span]
        return [span]
    return []


def one_line(text):
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())


def answer_sources(sources, limit=ANSWER_PASSAGES):
    """What an answer is written from: the quotes of the best few passages of the meeting that answers
    best (and of another meeting only when it scores nearly as well), in the order they were said,
    renumbered. An answer and the condition someone attached to it a few turns later arrive together
    this way."""
    if not sources:
        return []
    best = sources[0].score
    meetings = []
    for source in sources:
        if source.meeting_id not in meetings and (not meetings or source.score >= OTHER_MEETING_SCORE * best):
            meetings.append(source.meeting_id)
    groups = list(dict.fromkeys(s.group for s in sources if s.meeting_id in meetings))[:limit]
    chosen = [s for s in sources if s.group in groups]
    rank = {meeting_id: i for i, meeting_id in enumerate(meetings)}
    chosen.sort(key=lambda s: (rank[s.meeting_id], s.kind != "transcript", s.position, s.number))
    return [replace(source, number=n) for n, source in enumerate(chosen, start=1)]


# --- citations ----------------------------------------------------------------------------------


def check_citations(text, sources):
    """(text, citations): markers that name a retrieved passage are kept (and listed once each, in
    order of first use); markers naming anything else are removed from the text."""
    by_number = {s.number: s for s in sources}
    used = []

    def keep(match):
        numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
        valid = [n for n in numbers if n in by_number]
        for n in valid:
            if n not in used:
                used.append(n)
        return "".join(f"[{n}]" for n in valid)

    cleaned = _CITATION.sub(keep, text or "")
    cleaned = re.sub(r"[ \t]+([.,!?])", r"\1", cleaned)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned).strip()
    return cleaned, [by_number[n].citation() for n in used]


def strip_citations(text):
    return re.sub(r"\s*" + _CITATION.pattern, "", text or "")


def is_not_found(text):
    return NOT_FOUND.replace(" ", "") in (text or "").replace(" ", "")


# --- conversation -------------------------------------------------------------------------------


def plain_history(history):
    """Earlier messages as the model sees them: roles and text, citation markers removed (they
    pointed at passages of earlier turns)."""
    turns = [{"role": m["role"], "content": strip_citations(m["content"])} for m in history if m.get("content")]
    return turns[-HISTORY_MESSAGES:]


def condense_question(provider, history, question):
    """A standalone question for retrieval. Without history it is the question itself; a language
    model rewrites a follow-up; when it fails, a short follow-up is searched with the previous question."""
    from ai_pipeline.llm import LLMError

    history = plain_history(history)
    if not history:
        return question
    if provider is not None and not getattr(provider, "extractive", False):
        try:
            completion = provider.complete(condense_messages(history, question), max_tokens=200, temperature=0.0)
            rewritten = (completion.text or "").strip().splitlines()
            if rewritten and rewritten[0].strip():
                return rewritten[0].strip()[:500]
        except LLMError as exc:
            logger.warning("chat: condensing the question failed (%s); using the heuristic", exc)
    return heuristic_follow_up(history, question) or question


def heuristic_follow_up(history, question):
    """Without a language model: a short follow-up is searched together with the previous question."""
    from ai_pipeline.search.text import morphemes

    previous = next((m["content"] for m in reversed(plain_history(history)) if m["role"] == "user"), "")
    if previous and len(morphemes(question)) <= 3:
        return f"{previous} {question}"
    return None


# --- answers ------------------------------------------------------------------------------------


def extractive_answer(sources):
    """The offline provider's answer: the passages answer_sources() chose, quoted in the order they
    were said, each cited."""
    lines = [_("The most relevant passages from your meetings (quoted; no language model was used):")]
    # Meeting titles stay out of the stored text: the cited sources are listed (and access-checked)
    # when the answer is shown.
    spoken = [s for s in sources if s.kind == "transcript"] or sources
    for source in spoken:
        who = f" — {source.speaker}" if source.speaker else ""
        lines.append(f"- “{source.quote}”{who} [{source.number}]")
    return "\n".join(lines)


def not_found_text(outcome, filters=None):
    """NOT_FOUND, then what was searched and the search's near misses, marked as not an answer."""
    from ai_pipeline.search.present import describe_search, describe_suggestion, not_an_answer

    lines = [f"{NOT_FOUND}.", describe_search(outcome, filters)]
    if outcome.suggestions:
        lines.append(not_an_answer())
        lines += [f"- {describe_suggestion(s)}" for s in outcome.suggestions]
    return "\n".join(line for line in lines if line)


def fitting_messages(provider, question, sources, history):
    """The answer prompt, with the oldest turns and then the weakest passages left out until it fits
    the model's context (a small model such as HCX-DASH-001 has 4k tokens)."""
    # A fifth held back: the estimate counts no whitespace, and servers count their own way.
    budget = int(provider.input_budget(min(ANSWER_TOKENS, provider.max_output_tokens)) * 0.8)
    history, kept = list(history), list(sources)
    messages = answer_messages(question, kept, history)
    while provider.count_message_tokens(messages) > budget and (history or len(kept) > 1):
        if history:
            history = history[2:]
        else:
            weakest = min(kept, key=lambda s: s.score)
            kept = [s for s in kept if s is not weakest]  # the rest keep their order and numbers
        messages = answer_messages(question, kept, history)
    return messages


def stream_answer(question, retrieve, *, history=(), filters=None, provider=None):
    """Yield text deltas as the answer is written, then one Answer (cleaned, with checked citations).

    retrieve(question) -> (sources, search outcome): the standalone question's Sources, best first (none:
    nothing relevant; the outcome then says what was searched and holds the near misses). filters: the
    search's filters, named when nothing is found. provider: an LLMProvider (default: get_provider()).
    The offline provider, or a language model that fails, gives the extractive answer."""
    from ai_pipeline.llm import LLMError, get_provider

    question = (question or "").strip()
    provider = provider or get_provider()
    extractive = getattr(provider, "extractive", False)
    if extractive:
        # A follow-up that finds something on its own is a new question.
        standalone = question
        sources, outcome = retrieve(question)
        combined = heuristic_follow_up(history, question) if not sources else None
        if combined:
            standalone = combined
            sources, combined_outcome = retrieve(combined)
            outcome = combined_outcome if sources else outcome
    else:
        standalone = condense_question(provider, history, question)
        sources, outcome = retrieve(standalone)
    if not sources:
        text = not_found_text(outcome, filters)
        yield text
        yield Answer(text, [], [], standalone, found=False, provider=provider.name, extractive=extractive)
        return
    sources = answer_sources(sources)
    note = ""
    text = None
    if not extractive:
        parts = []
        messages = fitting_messages(provider, question, sources, plain_history(history))
        try:
            for item in provider.stream(messages, max_tokens=ANSWER_TOKENS, temperature=0.2):
                if isinstance(item, str):
                    parts.append(item)
                    yield item
            text = "".join(parts)
        except LLMError as exc:
            logger.warning("chat: %s failed (%s); answering with quoted passages", provider.name, exc)
            note = _(
                "The language model could not answer (%(error)s); the most relevant passages are quoted instead."
            ) % {"error": exc}
    if text is None:
        text = extractive_answer(sources)
        extractive = True
        yield ("\n\n" if note else "") + text
    cleaned, citations = check_citations(text, sources)
    if not citations and is_not_found(text):
        yield Answer(NOT_FOUND, [], sources, standalone, found=False, provider=provider.name, extractive=extractive)
        return
    yield Answer(cleaned, citations, sources, standalone, True, provider.name, extractive, note)


def answer(question, retrieve, **kwargs):
    """stream_answer, consumed: the Answer."""
    result = None
    for item in stream_answer(question, retrieve, **kwargs):
        if isinstance(item, Answer):
            result = item
    return result
