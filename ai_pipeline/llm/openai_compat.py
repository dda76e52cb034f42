"""OpenAI-compatible chat completions: vLLM, Ollama, llama.cpp server, OpenAI, and CLOVA Studio's
OpenAI-compatible endpoint (API_NOTES §2). `POST {base_url}/chat/completions`; streaming is
`data: {chunk}` lines ending with `data: [DONE]`."""

import json
import re

from .base import (
    Completion,
    ConfigurationError,
    ServerError,
    StreamInterruptedError,
    Usage,
    with_json_instruction,
)
from .clova import HCX007_MAX_COMPLETION, REQUEST_ID_HEADER, THINKING_BUDGET, THINKING_MODELS
from .http import HTTPProvider, error_for_status, is_event_stream

_CONTEXT_MESSAGE = re.compile(
    r"context[ _](length|window)|maximum context|too many tokens|prompt is too long|exceeds? the available context",
    re.IGNORECASE,
)
CONTEXT_CODES = {"context_length_exceeded", "40003"}


def _error_parts(data):
    """(code, message) from the error shapes OpenAI, CLOVA, vLLM and Ollama use."""
    if not isinstance(data, dict):
        return None, str(data)[:500]
    error = data.get("error", data)
    if isinstance(error, str):
        return None, error
    if isinstance(error, dict):
        code = error.get("code")
        return (str(code) if code is not None else None), str(error.get("message") or error)[:500]
    return None, str(data)[:500]


class OpenAICompatProvider(HTTPProvider):
    name = "openai"
    default_base_url = "https://api.openai.com/v1"
    request_id_header = None

    def __init__(self, model=None, *, max_tokens_field="max_tokens", native_json_schema=True, stream_usage=False, **kw):
        super().__init__(model, **kw)
        if not self.model:
            raise ConfigurationError(f"The {self.name} provider needs a model name (LLM_MODEL).", missing="model")
        self.max_tokens_field = max_tokens_field
        self.native_json_schema = native_json_schema
        # stream_options is an OpenAI/vLLM extension that some servers (CLOVA) reject.
        self.stream_usage = stream_usage

    @property
    def supports_json_schema(self):
        return self.native_json_schema

    @property
    def url(self):
        return f"{self.base_url}/chat/completions"

    def headers(self, request_id, *, stream):
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream" if stream else "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if self.request_id_header:
            headers[self.request_id_header] = request_id
        return headers

    def build_body(self, messages, max_tokens, temperature, json_schema, options, *, stream):
        if json_schema is not None:
            messages = with_json_instruction(messages, json_schema)
        body = {"model": self.model, "messages": messages, "temperature": float(temperature)}
        body[self.max_tokens_field] = max_tokens
        for key in ("top_p", "seed", "reasoning_effort"):
            if options.get(key) is not None:
                body[key] = options[key]
        if options.get("stop"):
            body["stop"] = list(options["stop"])
        if json_schema is not None and self.supports_json_schema:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "response", "schema": json_schema},
            }
        if stream:
            body["stream"] = True
            if self.stream_usage:
                body["stream_options"] = {"include_usage": True}
        return body

    def _describe_error(self, response):
        try:
            code, message = _error_parts(response.json())
        except ValueError:
            code, message = None, response.text[:500] or response.reason_phrase
        return code, message, self._is_context_error(response.status_code, code, message)

    @staticmethod
    def _is_context_error(status, code, message):
        return status in (400, 413, 422) and (code in CONTEXT_CODES or bool(_CONTEXT_MESSAGE.search(message or "")))

    def _usage(self, usage, messages, text):
        if usage and usage.get("prompt_tokens") is not None:
            return Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
        return Usage(self.count_message_tokens(messages), self.count_tokens(text), estimated=True)

    def _complete_once(self, messages, max_tokens, temperature, json_schema, options):
        request_id = self.new_request_id()
        body = self.build_body(messages, max_tokens, temperature, json_schema, options, stream=False)
        response, data = self._post_json(self.url, body, self.headers(request_id, stream=False), request_id)
        return self._completion(data, messages, request_id, response)

    def _completion(self, data, messages, request_id, response):
        if not isinstance(data, dict) or not data.get("choices"):
            code, message = _error_parts(data)
            if isinstance(data, dict) and "error" in data:
                raise error_for_status(500, f"{self.name}: {message}", code=code, request_id=request_id)
            raise ServerError(f"{self.name}: the answer has no choices", request_id=request_id)
        choice = data["choices"][0]
        message = choice.get("message") or {}
        text = message.get("content") or ""
        return Completion(
            text=text,
            usage=self._usage(data.get("usage"), messages, text),
            finish_reason=choice.get("finish_reason"),
            model=data.get("model") or self.model,
            request_id=data.get("id") or response.headers.get("x-request-id") or request_id,
            thinking=message.get("reasoning_content") or message.get("thinking_content") or "",
        )

    def _stream_once(self, messages, max_tokens, temperature, json_schema, options):
        request_id = self.new_request_id()
        body = self.build_body(messages, max_tokens, temperature, json_schema, options, stream=True)
        parts, thinking = [], []
        finish_reason = usage = None
        model, server_id, done = self.model, None, False
        with self._open_stream(self.url, body, self.headers(request_id, stream=True), request_id) as response:
            if not is_event_stream(response):
                data = self._json_instead_of_sse(response, request_id)
                completion = self._completion(data, messages, request_id, response)
                yield completion.text
                yield completion
                return
            try:
                for sse in self._iter_sse(response, request_id):
                    data = sse.data.strip()
                    if not data:
                        continue
                    if data == "[DONE]":
                        done = True
                        break
                    try:
                        chunk = json.loads(data)
                    except ValueError as exc:
                        raise ServerError(
                            f"{self.name}: unreadable chunk {data[:200]!r}", request_id=request_id
                        ) from exc
                    if "error" in chunk:
                        code, message = _error_parts(chunk)
                        status = int(code[:3]) if code and code[:3].isdigit() else 500
                        raise error_for_status(
                            status,
                            f"{self.name}: {message}",
                            code=code,
                            context_exceeded=self._is_context_error(status, code, message),
                            request_id=request_id,
                        )
                    server_id = chunk.get("id") or server_id
                    model = chunk.get("model") or model
                    usage = chunk.get("usage") or usage
                    for choice in chunk.get("choices") or []:
                        delta = choice.get("delta") or {}
                        reasoning = delta.get("reasoning_content") or delta.get("thinking_content")
                        if reasoning:
                            thinking.append(reasoning)
                        if delta.get("content"):
                            parts.append(delta["content"])
                            yield delta["content"]
                        finish_reason = choice.get("finish_reason") or finish_reason
            except StreamInterruptedError as exc:
                exc.partial_text = "".join(parts)
                raise
        if not done and finish_reason is None:
            raise StreamInterruptedError(
                f"{self.name}: the stream ended before it was complete",
                partial_text="".join(parts),
                request_id=request_id,
            )
        text = "".join(parts)
        yield Completion(
            text=text,
            usage=self._usage(usage, messages, text),
            finish_reason=finish_reason or "stop",
            model=model,
            request_id=server_id or request_id,
            thinking="".join(thinking),
        )


class ClovaOpenAIProvider(OpenAICompatProvider):
    """CLOVA Studio's OpenAI-compatible endpoint: new (nv-) keys only; no stream_options."""

    name = "clova-openai"
    default_model = "HCX-005"
    default_base_url = "https://clovastudio.stream.ntruss.com/v1/openai"
    request_id_header = REQUEST_ID_HEADER

    def __init__(self, model=None, *, thinking_effort="low", **kwargs):
        kwargs["stream_usage"] = False
        super().__init__(model, **kwargs)
        if not self.api_key:
            raise ConfigurationError(
                "CLOVA Studio needs an API key (LLM_API_KEY or LLM_API_KEY_FILE).", missing="api_key"
            )
        if thinking_effort not in THINKING_BUDGET:
            raise ConfigurationError(f"thinking_effort must be one of {sorted(THINKING_BUDGET)}.")
        self.thinking_effort = thinking_effort

    @property
    def supports_json_schema(self):
        return self.model.upper() in THINKING_MODELS

    def build_body(self, messages, max_tokens, temperature, json_schema, options, *, stream):
        body = super().build_body(messages, max_tokens, temperature, json_schema, options, stream=stream)
        body["temperature"] = max(0.0, min(1.0, body["temperature"]))
        if self.model.upper() in THINKING_MODELS and json_schema is None:
            # As on the native API: reasoning shares the completion budget and excludes stop.
            effort = options.get("thinking_effort") or self.thinking_effort
            body.pop(self.max_tokens_field, None)
            body.pop("stop", None)
            body["reasoning_effort"] = effort
            body["max_completion_tokens"] = min(HCX007_MAX_COMPLETION, max_tokens + THINKING_BUDGET[effort])
        return body
