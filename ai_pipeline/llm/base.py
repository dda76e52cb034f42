"""The provider interface every LLM backend implements, its result types, errors and retry policy.

A provider answers `complete(messages, max_tokens=..., temperature=..., json_schema=None)` with a
Completion, and `stream(...)` with text deltas followed by one final Completion. Errors are LLMError
subclasses whose `retryable` flag says whether trying again may help; the provider itself already
retried those with exponential backoff before raising.
"""

import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


# --- Results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # True when the server reported nothing and the counts come from count_tokens().
    estimated: bool = False

    @property
    def total_tokens(self):
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = "stop"  # "stop", "length", "tool_calls", or the server's own word
    model: str = ""
    request_id: str | None = None
    thinking: str = ""  # reasoning trace (HCX-007, vLLM reasoning models); never part of `text`
    extractive: bool = False  # produced without a language model (the offline provider)

    @property
    def truncated(self):
        return self.finish_reason == "length"

    def json(self):
        """The first JSON object in the text (code fences and chatter around it are ignored)."""
        return parse_json_text(self.text)


# --- Errors -------------------------------------------------------------------------------------
class LLMError(Exception):
    """A provider failure. `retryable`: whether the same request may succeed later."""

    retryable = False

    def __init__(self, message, *, retryable=None, status=None, code=None, request_id=None, retry_after=None):
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after

    def __str__(self):
        text = super().__str__()
        details = [f"HTTP {self.status}" if self.status else "", f"code {self.code}" if self.code else ""]
        details = ", ".join(d for d in details if d)
        return f"{text} ({details})" if details else text


class AuthenticationError(LLMError):
    """Missing, wrong or unsubscribed key. Retrying cannot help."""


class RateLimitError(LLMError):
    retryable = True


class LLMTimeoutError(LLMError):
    retryable = True


class ServerError(LLMError):
    retryable = True


class ProviderUnavailableError(LLMError):
    """The server could not be reached (connection refused, DNS, TLS, connection dropped)."""

    retryable = True


class StreamInterruptedError(LLMError):
    """The stream ended before the server said it was complete; `partial_text` holds what arrived."""

    retryable = True

    def __init__(self, message, *, partial_text="", **kwargs):
        super().__init__(message, **kwargs)
        self.partial_text = partial_text


class BadRequestError(LLMError):
    """The request itself is wrong (parameters, model name, content). Retrying the same request cannot help."""


class ContextLengthExceededError(BadRequestError):
    """Prompt plus requested output does not fit the model's context: send less (chunk the input)."""


class InvalidOutputError(LLMError):
    """The model answered, but not in the requested format. Sampling again may fix it."""

    retryable = True


class ConfigurationError(LLMError):
    """The provider is not set up correctly (unknown name, missing key or model path). `missing` names what
    is missing for people who are not operators ("api_key", "base_url", "model"); the message names the
    settings and is for operators and logs."""

    def __init__(self, message, *, missing="", **kwargs):
        super().__init__(message, **kwargs)
        self.missing = missing


# --- Models and token budgets -------------------------------------------------------------------
@dataclass(frozen=True)
class ModelInfo:
    context_window: int
    max_input_tokens: int
    max_output_tokens: int


# CLOVA Studio models (API_NOTES §4). HCX-007's output limit includes its reasoning tokens.
MODEL_TABLE = {
    "HCX-003": ModelInfo(8192, 7600, 4096),
    "HCX-DASH-001": ModelInfo(4096, 3500, 4096),
    "HCX-005": ModelInfo(128000, 128000, 4096),
    "HCX-DASH-002": ModelInfo(32000, 32000, 4096),
    "HCX-007": ModelInfo(128000, 128000, 32768),
}
# Unknown models (a vLLM or Ollama server) get a modest default; LLM_CONTEXT_WINDOW overrides it.
DEFAULT_MODEL_INFO = ModelInfo(8192, 8192, 2048)


def model_info(model, context_window=None, max_output_tokens=None):
    info = MODEL_TABLE.get((model or "").upper(), DEFAULT_MODEL_INFO)
    if context_window:
        info = ModelInfo(context_window, context_window, min(info.max_output_tokens, context_window))
    if max_output_tokens:
        info = ModelInfo(info.context_window, info.max_input_tokens, max_output_tokens)
    return info


_ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")


def estimate_tokens(text):
    """A deliberately generous token estimate for budgeting when no tokenizer is at hand.

    Hangul, kana and CJK count one token per character (real tokenizers for Korean-capable
    models do better, so this errs towards sending less); ASCII words one token per 4
    characters; other symbols one each; whitespace is free.
    """
    if not text:
        return 0
    tokens = 0
    for match in _ASCII_WORD.finditer(text):
        tokens += math.ceil(len(match.group()) / 4)
    rest = _ASCII_WORD.sub(" ", text)
    for char in rest:
        if char.isspace():
            continue
        tokens += 1
    return tokens


# Each chat message costs a few tokens of role markers on every chat template we know.
MESSAGE_OVERHEAD_TOKENS = 4


# --- Messages -----------------------------------------------------------------------------------
ROLES = ("system", "user", "assistant")


def normalize_messages(messages):
    """Plain {"role", "content"} dicts with string content; a bare string becomes one user message."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    result = []
    for message in messages:
        role = message["role"] if isinstance(message, dict) else message.role
        content = message["content"] if isinstance(message, dict) else message.content
        if role not in ROLES:
            raise BadRequestError(f"Unsupported message role {role!r}.")
        if isinstance(content, list):  # OpenAI-style parts: keep the text ones
            content = "".join(part.get("text", "") for part in content if part.get("type") == "text")
        result.append({"role": role, "content": str(content)})
    if not result:
        raise BadRequestError("At least one message is required.")
    return result


def merge_system_messages(messages):
    """CLOVA allows one system message: fold every system message into the first position."""
    system = [m["content"] for m in messages if m["role"] == "system"]
    others = [m for m in messages if m["role"] != "system"]
    if not system:
        return others
    return [{"role": "system", "content": "\n\n".join(system)}, *others]


def json_instruction(schema):
    return (
        "Answer with a single JSON object and nothing else (no code fences, no commentary). "
        "It must validate against this JSON Schema:\n" + json.dumps(schema, ensure_ascii=False)
    )


def with_json_instruction(messages, schema):
    """JSON-in-prompt structured output, for models without a native response format."""
    instruction = json_instruction(schema)
    messages = list(messages)
    if messages and messages[0]["role"] == "system":
        messages[0] = {"role": "system", "content": messages[0]["content"] + "\n\n" + instruction}
    else:
        messages.insert(0, {"role": "system", "content": instruction})
    return messages


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def parse_json_text(text):
    """Extract and parse the JSON object a model was asked for. Raises InvalidOutputError."""
    candidates = [m.group(1) for m in _FENCE.finditer(text or "")] + [text or ""]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        start = candidate.find("{")
        while start != -1:
            try:
                value, _end = decoder.raw_decode(candidate, start)
            except json.JSONDecodeError:
                start = candidate.find("{", start + 1)
                continue
            if isinstance(value, dict):
                return value
            start = candidate.find("{", start + 1)
    raise InvalidOutputError("The model's answer contains no JSON object.")


# --- Retries ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped; a server's Retry-After wins when it asks for longer.

    `max_attempts` counts the first try. A Retry-After longer than `max_retry_after` is not waited
    out in-process: the error is raised (retryable, with `retry_after`) for the job queue to reschedule.
    """

    max_attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, attempt, retry_after=None):
        backoff = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        backoff = random.uniform(backoff / 2, backoff)
        if retry_after is not None:
            return max(backoff, retry_after)
        return backoff


def parse_retry_after(value):
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# --- The interface ------------------------------------------------------------------------------
class LLMProvider:
    """Base class: subclasses implement `_complete_once` and `_stream_once`; retries live here."""

    name = "base"
    default_model = ""
    supports_json_schema = False  # a native structured-output mode exists for this model
    extractive = False

    def __init__(
        self,
        model=None,
        *,
        timeout=120.0,
        retry=None,
        context_window=None,
        max_output_tokens=None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.model = model or self.default_model
        self.timeout = float(timeout)
        self.retry = retry or RetryPolicy()
        self.info = model_info(self.model, context_window, max_output_tokens)
        self._sleep = sleep

    # Budgeting
    @property
    def context_window(self):
        return self.info.context_window

    @property
    def max_output_tokens(self):
        return self.info.max_output_tokens

    def count_tokens(self, text):
        return estimate_tokens(text)

    def count_message_tokens(self, messages):
        messages = normalize_messages(messages)
        return sum(self.count_tokens(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages)

    def input_budget(self, max_tokens):
        """How many prompt tokens fit when `max_tokens` are reserved for the answer."""
        return max(0, min(self.info.max_input_tokens, self.info.context_window - max_tokens))

    def check_fits(self, messages, max_tokens):
        needed = self.count_message_tokens(messages)
        budget = self.input_budget(max_tokens)
        if needed > budget:
            raise ContextLengthExceededError(
                f"The prompt needs about {needed} tokens but {self.model} allows {budget} "
                f"with {max_tokens} reserved for the answer."
            )

    # Calls
    def complete(self, messages, *, max_tokens=1024, temperature=0.3, json_schema=None, **options):
        messages = normalize_messages(messages)
        max_tokens = self._clamp_max_tokens(max_tokens)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._complete_once(messages, max_tokens, temperature, json_schema, options)
            except LLMError as exc:
                self._wait_or_raise(exc, attempt)

    def stream(self, messages, *, max_tokens=1024, temperature=0.3, json_schema=None, **options) -> Iterator:
        """Yield str deltas, then one Completion. Retries only while nothing has been yielded yet."""
        messages = normalize_messages(messages)
        max_tokens = self._clamp_max_tokens(max_tokens)
        attempt = 0
        while True:
            attempt += 1
            yielded = False
            try:
                for item in self._stream_once(messages, max_tokens, temperature, json_schema, options):
                    if isinstance(item, str):
                        if not item:
                            continue
                        yielded = True
                    yield item
                return
            except LLMError as exc:
                if yielded:
                    raise
                self._wait_or_raise(exc, attempt)

    def stream_text(self, messages, **kwargs):
        """Convenience: consume stream() and return its Completion (deltas discarded)."""
        completion = None
        for item in self.stream(messages, **kwargs):
            if isinstance(item, Completion):
                completion = item
        return completion

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # Internals
    def _clamp_max_tokens(self, max_tokens):
        if max_tokens is None or max_tokens < 1:
            raise BadRequestError("max_tokens must be a positive integer.")
        return min(int(max_tokens), self.info.max_output_tokens)

    def _wait_or_raise(self, exc, attempt):
        if not exc.retryable or attempt >= self.retry.max_attempts:
            raise exc
        if exc.retry_after is not None and exc.retry_after > self.retry.max_retry_after:
            raise exc
        delay = self.retry.delay(attempt, exc.retry_after)
        logger.warning(
            "%s: %s; retrying in %.1fs (attempt %d of %d)",
            self.name,
            exc,
            delay,
            attempt + 1,
            self.retry.max_attempts,
        )
        self._sleep(delay)

    def _complete_once(self, messages, max_tokens, temperature, json_schema, options):
        raise NotImplementedError

    def _stream_once(self, messages, max_tokens, temperature, json_schema, options):
        # Providers without real streaming yield the whole answer as one delta.
        completion = self._complete_once(messages, max_tokens, temperature, json_schema, options)
        if completion.text:
            yield completion.text
        yield completion
