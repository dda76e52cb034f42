"""Minutes from a transcript with any provider: one call when the transcript fits the model's context,
map-reduce over line-aligned chunks when it does not, and the extractive builder for the offline provider.

The budget comes from the provider (its context window, output limit and token counter). Chunks are cut
between transcript lines, each line keeps its number, speaker and time, so citations survive both the map
and the reduce step. Model output is validated (schema.parse_minutes); an invalid answer is sent back once
or twice for repair and otherwise raised, never returned half-parsed."""

import json
import logging
import time
from dataclasses import dataclass, field

from ai_pipeline.llm import ContextLengthExceededError, InvalidOutputError, LLMError, StreamInterruptedError
from ai_pipeline.llm.base import with_json_instruction
from ai_pipeline.llm.sentences import due_text

from . import prompts
from .duedates import parse_due
from .extractive import build_extractive_minutes
from .names import snapshot, speaker_id_for
from .schema import MODEL_SCHEMA, parse_minutes
from .turns import detect_language, render_line

logger = logging.getLogger(__name__)

SAFETY = 0.9  # token estimates are approximate: leave a tenth of the budget unused
MAX_SPLIT_DEPTH = 6


@dataclass
class MinutesResult:
    data: dict
    provider: str
    model: str
    template: str
    extractive: bool
    language: str
    calls: int = 0
    chunks: int = 1
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    log: list = field(default_factory=list)


def _noop(*_args, **_kwargs):
    pass


class MapReduce:
    def __init__(
        self,
        provider,
        template,
        language,
        *,
        title="",
        date=None,
        on_progress=None,
        on_text=None,
        max_repairs=2,
        temperature=0.2,
    ):
        self.provider = provider
        self.template = template
        self.language = language
        self.title = title
        self.date = date
        self.on_progress = on_progress or _noop
        self.on_text = on_text or _noop
        self.max_repairs = max_repairs
        self.temperature = temperature
        self.calls = self.prompt_tokens = self.completion_tokens = 0
        self.line_count = 0
        self.planned = 1
        self.done = 0
        self.log = []

    # Budget
    @property
    def output_reserve(self):
        window = self.provider.context_window
        return max(256, min(self.provider.max_output_tokens, 4096, window // 3))

    def _budget(self, system, empty_user):
        messages = with_json_instruction(
            [{"role": "system", "content": system}, {"role": "user", "content": empty_user}], MODEL_SCHEMA
        )
        overhead = self.provider.count_message_tokens(messages)
        return int((self.provider.input_budget(self.output_reserve) - overhead) * SAFETY)

    def transcript_budget(self, stage="final"):
        system = prompts.system_prompt(self.template, self.language, stage=stage)
        empty = prompts.transcript_message([], title=self.title, date=self.date, part=(99, 99))
        return self._budget(system, empty)

    def notes_budget(self):
        system = prompts.system_prompt(self.template, self.language, stage="reduce")
        return self._budget(system, prompts.notes_message([], title=self.title, date=self.date))

    # Chunking
    def chunk_lines(self, lines, budget):
        if budget < 50:
            raise ContextLengthExceededError(
                f"{self.provider.model}: the context window is too small for the minutes instructions."
            )
        chunks, current, used = [], [], 0
        for line in lines:
            for piece in self._split_line(line, budget):
                cost = self.provider.count_tokens(piece) + 1
                if current and used + cost > budget:
                    chunks.append(current)
                    current, used = [], 0
                current.append(piece)
                used += cost
        if current:
            chunks.append(current)
        return chunks

    def _split_line(self, line, budget):
        if self.provider.count_tokens(line) + 1 <= budget:
            return [line]
        prefix, _, text = line.partition(": ")
        pieces, piece = [], ""
        step = max(20, budget // 2)
        for char in text:
            piece += char
            if len(piece) >= step and self.provider.count_tokens(f"{prefix} (cont.): {piece}") >= budget - 5:
                pieces.append(f"{prefix} (cont.): {piece}")
                piece = ""
        if piece:
            pieces.append(f"{prefix} (cont.): {piece}")
        pieces[0] = pieces[0].replace(" (cont.): ", ": ", 1)
        return pieces

    # Calls
    def _call(self, system, user):
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        last_error = None
        for attempt in range(1 + self.max_repairs):
            self.calls += 1
            parts = []
            try:
                completion = None
                for item in self.provider.stream(
                    messages, max_tokens=self.output_reserve, temperature=self.temperature, json_schema=MODEL_SCHEMA
                ):
                    if isinstance(item, str):
                        parts.append(item)
                        self.on_text("".join(parts))
                    else:
                        completion = item
            except LLMError as exc:
                # The provider retries only before the first delta; a stream that fails after it
                # (cut, or an error event) is retried here, from the start.
                if not (parts and exc.retryable) and not isinstance(exc, StreamInterruptedError):
                    raise
                last_error = exc
                self.log.append(f"stream failed midway (attempt {attempt + 1}): {exc}")
                continue
            if completion is None:
                last_error = InvalidOutputError("The model sent no answer.")
                continue
            self.prompt_tokens += completion.usage.prompt_tokens
            self.completion_tokens += completion.usage.completion_tokens
            try:
                return parse_minutes(completion.text, self.line_count)
            except InvalidOutputError as exc:
                last_error = exc
                reason = str(exc)
                if completion.truncated:
                    reason += " (the answer was cut off at the length limit; be more concise)"
                self.log.append(f"invalid output (attempt {attempt + 1}): {reason}")
                messages = [
                    *messages[:2],
                    {"role": "assistant", "content": completion.text[:2000]},
                    {"role": "user", "content": prompts.repair_message(reason)},
                ]
        if isinstance(last_error, InvalidOutputError):
            raise InvalidOutputError(f"The model did not produce valid minutes: {last_error}")
        raise last_error

    def _progress(self):
        self.done += 1
        self.on_progress(min(0.99, self.done / max(1, self.planned)))

    # Map and reduce
    def run(self, turns):
        self.line_count = len(turns)
        lines = [render_line(t) for t in turns]
        budget = self.transcript_budget("final")
        total = sum(self.provider.count_tokens(line) + 1 for line in lines)
        if total <= budget:
            self.planned = 1
            try:
                result = self._call(
                    prompts.system_prompt(self.template, self.language),
                    prompts.transcript_message(lines, title=self.title, date=self.date),
                )
                self._progress()
                return result, 1
            except ContextLengthExceededError:
                self.log.append("the server refused the whole transcript as too long; splitting it")
                budget = total // 2
        else:
            budget = self.transcript_budget("map")
        chunks = self.chunk_lines(lines, budget)
        self.planned = len(chunks) + max(1, len(chunks) // 4)
        notes = []
        for number, chunk in enumerate(chunks, start=1):
            notes.extend(self._map(chunk, (number, len(chunks))))
        return self._reduce(notes), len(chunks)

    def _map(self, chunk, part, depth=0):
        try:
            note = self._call(
                prompts.system_prompt(self.template, self.language, stage="map"),
                prompts.transcript_message(chunk, title=self.title, date=self.date, part=part),
            )
        except ContextLengthExceededError:
            if len(chunk) < 2 or depth >= MAX_SPLIT_DEPTH:
                raise
            self.log.append(f"part {part[0]} was too long for the server; splitting it")
            half = len(chunk) // 2
            return self._map(chunk[:half], part, depth + 1) + self._map(chunk[half:], part, depth + 1)
        self._progress()
        return [note]

    def _reduce(self, notes):
        notes = [_compact(note) for note in notes]
        budget = self.notes_budget()
        for _round in range(8):
            groups = self._group(notes, budget)
            if len(groups) == 1 or all(len(group) == 1 for group in groups):
                break
            notes = [group[0] if len(group) == 1 else _compact(self._merge(group)) for group in groups]
        return self._merge(notes)

    def _group(self, notes, budget):
        groups, current, used = [], [], 0
        for note in notes:
            cost = self.provider.count_tokens(json.dumps(note, ensure_ascii=False)) + 1
            if current and used + cost > budget:
                groups.append(current)
                current, used = [], 0
            current.append(note)
            used += cost
        groups.append(current)
        return groups

    def _merge(self, notes, depth=0):
        """One reduce call; when the server finds it too long, merge each half first."""
        system = prompts.system_prompt(self.template, self.language, stage="reduce")
        try:
            result = self._call(system, prompts.notes_message(notes, title=self.title, date=self.date))
        except ContextLengthExceededError:
            if len(notes) < 2 or depth >= MAX_SPLIT_DEPTH:
                raise
            self.log.append("the notes were too long for the server; merging them in halves")
            half = len(notes) // 2
            left = _compact(self._merge(notes[:half], depth + 1))
            right = _compact(self._merge(notes[half:], depth + 1))
            return self._merge([left, right], depth + 1)
        self._progress()
        return result


def _compact(note):
    return {key: value for key, value in note.items() if value not in ("", [], None)}


def _turn_at(turns, line):
    if line is None or not 0 <= line < len(turns):
        return None
    return turns[line]


def finish(raw, turns, *, date=None, language="ko", extractive=False):
    """Resolve line citations to speakers (by id when the turns come from a meeting) and times, and spoken
    deadlines to dates; keep the speakers' names as written (names.py) so later renames show through."""
    data = dict(raw)
    written = {turn.speaker_id: turn.speaker for turn in turns if turn.speaker_id is not None}
    decisions = []
    for item in raw.get("decisions", []):
        turn = _turn_at(turns, item.get("line"))
        speaker = turn.speaker if turn and turn.speaker else item.get("speaker", "")
        decisions.append(
            {
                "text": item["text"],
                "speaker": speaker,
                "speaker_id": turn.speaker_id if turn and turn.speaker else speaker_id_for(speaker, written),
                "line": item.get("line"),
                "start": turn.start if turn else None,
            }
        )
    actions = []
    for item in raw.get("action_items", []):
        turn = _turn_at(turns, item.get("line"))
        spoken = item.get("due") or due_text(item["text"])
        due_date = parse_due(spoken, date) if (spoken and date) else None
        actions.append(
            {
                "text": item["text"],
                "owner": item.get("owner", ""),
                "owner_speaker_id": speaker_id_for(item.get("owner", ""), written),
                "due": spoken,
                "due_date": due_date.isoformat() if due_date else None,
                "speaker": turn.speaker if turn else "",
                "speaker_id": turn.speaker_id if turn else None,
                "line": item.get("line"),
                "start": turn.start if turn else None,
            }
        )
    topics = []
    for item in raw.get("topics", []):
        first, last = _turn_at(turns, item.get("from_line")), _turn_at(turns, item.get("to_line"))
        topics.append(
            {
                "title": item["title"],
                "from_line": item.get("from_line"),
                "to_line": item.get("to_line"),
                "start": first.start if first else None,
                "end": (last.end if last else None),
            }
        )
    data.update(decisions=decisions, action_items=actions, topics=topics, language=language, extractive=extractive)
    if written:
        data["speakers"] = snapshot(written)
    return data


def generate_minutes(
    turns, *, provider, template=None, title="", date=None, language=None, on_progress=None, on_text=None
):
    """MinutesResult for these turns. Raises LLMError (InvalidOutputError included) when a model fails."""
    template = template or prompts.BUILTIN_TEMPLATES["default"]
    language = language if language in ("ko", "en") else detect_language(turns)
    began = time.perf_counter()
    if getattr(provider, "extractive", False):
        raw = build_extractive_minutes(turns, title=title, language=language, style=template.key)
        data = finish(raw, turns, date=date, language=language, extractive=True)
        if on_progress:
            on_progress(1.0)
        return MinutesResult(
            data=data,
            provider=provider.name,
            model=provider.model,
            template=template.key,
            extractive=True,
            language=language,
            seconds=time.perf_counter() - began,
        )
    if not turns:
        raise LLMError("The transcript is empty.")
    engine = MapReduce(provider, template, language, title=title, date=date, on_progress=on_progress, on_text=on_text)
    raw, chunks = engine.run(turns)
    if not raw.get("title"):
        raw["title"] = title
    data = finish(raw, turns, date=date, language=language)
    return MinutesResult(
        data=data,
        provider=provider.name,
        model=provider.model,
        template=template.key,
        extractive=False,
        language=language,
        calls=engine.calls,
        chunks=chunks,
        prompt_tokens=engine.prompt_tokens,
        completion_tokens=engine.completion_tokens,
        seconds=time.perf_counter() - began,
        log=engine.log,
    )
