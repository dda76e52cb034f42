"""The archive chatbot: retrieval (the search core, scoped to the asker before ranking) -> a prompt with
the passages as delimited, untrusted context -> the LLM provider -> an answer whose inline citations [n]
are checked against the passages actually retrieved.

Fused search scores are rank-based (RRF) and say nothing about whether anything relevant was found, so
relevance is judged separately: the cosine between the question and a passage's e5 vector, or the share
of the question's content morphemes the passage holds. Both thresholds are tuned on the dev questions
(bench/chat.py); below them the bot says NOT_FOUND instead of answering from unrelated text."""

import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .prompts import NOT_FOUND, answer_messages, condense_messages

logger = logging.getLogger(__name__)

# bench/chat.py on ../shared/eval (dev): 39/40 answerable questions keep their passages, 2/20 off-topic
# ones get any (numbers in its docstring).
RELEVANCE_DEFAULTS = {"min_dense": 0.87, "min_lexical": 0.7, "min_lexical_terms": 1}
CONTEXT_PASSAGES = 6  # passages given to the model
QUOTED_PASSAGES = 3  # passages the offline provider quotes
HISTORY_MESSAGES = 6  # earlier messages the model sees
ANSWER_TOKENS = 800

# Words every question has: they say nothing about whether a passage is on topic.
QUESTION_STOPWORDS = frozenset(
    "하 되 있 없 않 이 그 저 것 수 때 좀 더 잘 언제 어디 누구 무엇 뭐 얼마 어떻 왜 몇 "  # noqa: SIM905
    "a an the and or but if to of in on at for with is are was were be been it this that we you i they he she "
    "our your my their so do does did have has had will would can could should just not no what when where who "
    "whom why how which about any there".split()
)


def _stem(word):
    """English words with their commonest endings cut ("decided" and "decide" meet); Kiwi leaves Latin
    words whole. Korean morphemes pass unchanged."""
    if word.isascii() and word.isalpha():
        for suffix in ("ing", "ed", "es", "s", "e"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
    return word


_CITATION = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def relevance_params():
    params = dict(RELEVANCE_DEFAULTS)
    params.update(getattr(settings, "CHAT_RELEVANCE", None) or {})
    return params


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
    quote: str  # the segment that answers best (what the offline answer quotes)
    dense: float
    lexical: float
    score: float

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


# --- retrieval ----------------------------------------------------------------------------------


def retrieve(scope, question, *, filters=None, limit=CONTEXT_PASSAGES, params=None):
    """The relevant passages for `question` among those `scope` may see, best first, numbered from 1.

    scope is what ai_pipeline.search.search takes: a user (their organizations, minus meetings
    meetings_for withholds) or organization ids. An empty list means nothing relevant was found."""
    from ai_pipeline.models import Passage
    from ai_pipeline.search import search
    from ai_pipeline.search.embeddings import from_blob, get_engine
    from ai_pipeline.search.text import morphemes
    from meetings.models import Meeting

    params = {**relevance_params(), **(params or {})}
    hits = search(scope, question, filters=filters, limit=limit * 2)
    if not hits:
        return []
    rows = {
        p.pk: p
        for p in Passage.objects.filter(pk__in=[h.passage_id for h in hits]).only("pk", "embedding", "tokens", "spans")
    }
    meetings = {m.pk: m for m in Meeting.objects.filter(pk__in={h.meeting_id for h in hits}).only("title", "held_at")}
    query_vector = get_engine().query([question])[0]
    terms = {_stem(t) for t in morphemes(question) if t not in QUESTION_STOPWORDS}
    sources = []
    for hit in hits:
        row, meeting = rows.get(hit.passage_id), meetings.get(hit.meeting_id)
        if row is None or meeting is None:
            continue
        dense = float(from_blob(row.embedding)[0] @ query_vector)
        tokens = {_stem(t) for t in row.tokens.split()}
        shared = len(terms & tokens)
        lexical = shared / len(terms) if terms else 0.0
        relevant = dense >= params["min_dense"] or (
            lexical >= params["min_lexical"] and shared >= min(params["min_lexical_terms"], len(terms))
        )
        if not relevant:
            continue
        quote = hit.text
        spans = row.spans or []
        for i, span in enumerate(spans):
            if span[0] == hit.position:
                quote = hit.text[span[3] : span[4]].strip()
                # A question asked in the meeting is best quoted with the reply that followed it.
                if quote.endswith("?") and i + 1 < len(spans):
                    reply = spans[i + 1]
                    who = reply[6] if len(reply) > 6 and reply[6] else reply[5]
                    quote += f" → {who}: " if who else " → "
                    quote += hit.text[reply[3] : reply[4]].strip()
                break
        sources.append(
            Source(
                number=len(sources) + 1,
                passage_id=hit.passage_id,
                meeting_id=hit.meeting_id,
                meeting_title=meeting.title,
                held_at=timezone.localtime(meeting.held_at),
                kind=hit.kind,
                position=hit.position or 0,
                start=hit.start,
                speaker=hit.speaker_name or hit.speaker_label,
                text=hit.text,
                quote=" / ".join(line.strip() for line in quote.splitlines() if line.strip()),
                dense=round(dense, 4),
                lexical=round(lexical, 4),
                score=hit.score,
            )
        )
        if len(sources) >= limit:
            break
    return sources


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
    """The offline provider's answer: the best passages quoted, each cited."""
    lines = [_("The most relevant passages from your meetings (quoted; no language model was used):")]
    # Meeting titles stay out of the stored text: the cited sources are listed (and access-checked)
    # when the answer is shown.
    spoken = [s for s in sources if s.kind == "transcript"] or sources
    for source in spoken[:QUOTED_PASSAGES]:
        who = f" — {source.speaker}" if source.speaker else ""
        lines.append(f"- “{source.quote}”{who} [{source.number}]")
    return "\n".join(lines)


def fitting_messages(provider, question, sources, history):
    """The answer prompt, with the oldest turns and then the weakest passages left out until it fits
    the model's context (a small model such as HCX-DASH-001 has 4k tokens)."""
    # A fifth held back: the estimate counts no whitespace, and servers count their own way.
    budget = int(provider.input_budget(min(ANSWER_TOKENS, provider.max_output_tokens)) * 0.8)
    history, count = list(history), len(sources)
    messages = answer_messages(question, sources, history)
    while provider.count_message_tokens(messages) > budget and (history or count > 1):
        if history:
            history = history[2:]
        else:
            count -= 1
        messages = answer_messages(question, sources[:count], history)
    return messages


def stream_answer(scope, question, *, history=(), filters=None, provider=None):
    """Yield text deltas as the answer is written, then one Answer (cleaned, with checked citations).

    provider: an LLMProvider (default: get_provider()). The offline provider, or a language model that
    fails, gives the extractive answer."""
    from ai_pipeline.llm import LLMError, get_provider

    question = (question or "").strip()
    provider = provider or get_provider()
    extractive = getattr(provider, "extractive", False)
    if extractive:
        # A follow-up that finds something on its own is a new question.
        standalone = question
        sources = retrieve(scope, question, filters=filters)
        combined = heuristic_follow_up(history, question) if not sources else None
        if combined:
            standalone, sources = combined, retrieve(scope, combined, filters=filters)
    else:
        standalone = condense_question(provider, history, question)
        sources = retrieve(scope, standalone, filters=filters)
    if not sources:
        yield NOT_FOUND
        yield Answer(NOT_FOUND, [], [], standalone, found=False, provider=provider.name, extractive=extractive)
        return
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


def answer(scope, question, **kwargs):
    """stream_answer, consumed: the Answer."""
    result = None
    for item in stream_answer(scope, question, **kwargs):
        if isinstance(item, Answer):
            result = item
    return result
