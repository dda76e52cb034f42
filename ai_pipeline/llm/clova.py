"""HyperCLOVA X through CLOVA Studio's native chat completions API (v3, and v1 for the legacy models).

Protocol notes: shared/reference/API_NOTES.md §1. Auth is `Authorization: Bearer nv-…` for keys issued
since 2025, else the legacy header pair. Every answer is wrapped in `{"status": {"code": "20000"}, "result"}`
with a *string* code; errors are read from the HTTP status together with that code.
"""

import json
from dataclasses import replace

from .base import (
    Completion,
    ConfigurationError,
    ServerError,
    StreamInterruptedError,
    Usage,
    merge_system_messages,
    with_json_instruction,
)
from .http import HTTPProvider, error_for_status, is_event_stream

REQUEST_ID_HEADER = "X-NCP-CLOVASTUDIO-REQUEST-ID"
V1_MODELS = {"HCX-003", "HCX-DASH-001"}
THINKING_MODELS = {"HCX-007"}
# maxCompletionTokens covers reasoning and answer; these are the API's own defaults per effort,
# added on top of what the caller wants for the answer so thinking cannot starve it.
THINKING_BUDGET = {"none": 0, "low": 5120, "medium": 10240, "high": 20480}
HCX007_MAX_COMPLETION = 32768
SUCCESS_CODES = {"20000", "20400"}
CONTEXT_EXCEEDED_CODE = "40003"


def _clamp(value, low, high):
    return max(low, min(high, float(value)))


def strip_unsupported_schema_keys(schema):
    """CLOVA's responseFormat rejects `pattern`; drop it (and keep everything else) recursively."""
    if isinstance(schema, dict):
        return {k: strip_unsupported_schema_keys(v) for k, v in schema.items() if k != "pattern"}
    if isinstance(schema, list):
        return [strip_unsupported_schema_keys(v) for v in schema]
    return schema


def normalize_finish_reason(value):
    if value is None:
        return None
    value = str(value).lower()
    # v1 reports end_token / stop_before (upper case in the docs' sample) where v3 says stop.
    return {"end_token": "stop", "stop_before": "stop"}.get(value, value)


class ClovaProvider(HTTPProvider):
    name = "hyperclova"
    default_model = "HCX-005"
    default_base_url = "https://clovastudio.stream.ntruss.com"

    def __init__(self, model=None, *, apigw_api_key="", thinking_effort="low", **kwargs):
        super().__init__(model, **kwargs)
        self.model = self.model.upper()
        if not self.api_key:
            raise ConfigurationError(
                "HyperCLOVA X needs an API key (LLM_API_KEY or LLM_API_KEY_FILE).", missing="api_key"
            )
        if thinking_effort not in THINKING_BUDGET:
            raise ConfigurationError(f"thinking_effort must be one of {sorted(THINKING_BUDGET)}.")
        self.apigw_api_key = apigw_api_key or ""
        self.thinking_effort = thinking_effort
        self.api_version = "v1" if self.model in V1_MODELS else "v3"

    @property
    def supports_json_schema(self):
        return self.model in THINKING_MODELS

    @property
    def url(self):
        # base_url may carry the legacy app prefix, e.g. https://clovastudio.apigw.ntruss.com/testapp
        return f"{self.base_url}/{self.api_version}/chat-completions/{self.model}"

    def headers(self, request_id, *, stream):
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if stream else "application/json",
            REQUEST_ID_HEADER: request_id,
        }
        if self.api_key.startswith("nv-"):
            headers["Authorization"] = f"Bearer {self.api_key}"
        else:
            headers["X-NCP-CLOVASTUDIO-API-KEY"] = self.api_key
            if self.apigw_api_key:
                headers["X-NCP-APIGW-API-KEY"] = self.apigw_api_key
        return headers

    # Request bodies
    def build_body(self, messages, max_tokens, temperature, json_schema, options):
        messages = merge_system_messages(messages)
        if json_schema is not None:
            messages = with_json_instruction(messages, json_schema)
        if self.api_version == "v1":
            return self._v1_body(messages, max_tokens, temperature, options)
        return self._v3_body(messages, max_tokens, temperature, json_schema, options)

    def _v3_body(self, messages, max_tokens, temperature, json_schema, options):
        body = {"messages": messages, "temperature": _clamp(temperature, 0.0, 1.0)}
        for option, key in (("top_p", "topP"), ("top_k", "topK"), ("repetition_penalty", "repetitionPenalty")):
            if options.get(option) is not None:
                body[key] = options[option]
        if options.get("seed"):
            body["seed"] = int(options["seed"])
        stop = list(options.get("stop") or [])
        if self.model in THINKING_MODELS:
            if json_schema is not None:
                # Structured output cannot be combined with thinking (or stop with thinking).
                body["responseFormat"] = {"type": "json", "schema": strip_unsupported_schema_keys(json_schema)}
                body["maxCompletionTokens"] = max_tokens
                if stop:
                    body["stop"] = stop
            else:
                effort = options.get("thinking_effort") or self.thinking_effort
                if effort not in THINKING_BUDGET:
                    raise ConfigurationError(f"thinking_effort must be one of {sorted(THINKING_BUDGET)}.")
                body["thinking"] = {"effort": effort}
                body["maxCompletionTokens"] = min(HCX007_MAX_COMPLETION, max_tokens + THINKING_BUDGET[effort])
        else:
            body["maxTokens"] = max_tokens
            if stop:
                body["stop"] = stop
        return body

    def _v1_body(self, messages, max_tokens, temperature, options):
        # v1 wants 0 < temperature <= 1.
        body = {"messages": messages, "maxTokens": max_tokens, "temperature": _clamp(temperature, 0.01, 1.0)}
        for option, key in (("top_p", "topP"), ("top_k", "topK"), ("repetition_penalty", "repeatPenalty")):
            if options.get(option) is not None:
                body[key] = options[option]
        if options.get("seed"):
            body["seed"] = int(options["seed"])
        if options.get("stop"):
            body["stopBefore"] = list(options["stop"])
        return body

    # Answers
    def _envelope_error(self, code, message, request_id, http_status=None, retry_after=None):
        code = str(code) if code is not None else None
        status = http_status if http_status and http_status >= 400 else None
        if status is None:
            status = int(code[:3]) if code and code[:3].isdigit() else 500
        return error_for_status(
            status,
            f"{self.name}: {message or 'error'}",
            code=code,
            context_exceeded=code == CONTEXT_EXCEEDED_CODE,
            request_id=request_id,
            retry_after=retry_after,
        )

    def _describe_error(self, response):
        try:
            data = response.json()
        except ValueError:
            return None, response.text[:500] or response.reason_phrase, False
        status = (data.get("status") if isinstance(data, dict) else None) or {}
        code = str(status.get("code")) if status.get("code") is not None else None
        message = status.get("message") or response.reason_phrase
        return code, message, code == CONTEXT_EXCEEDED_CODE

    def _result(self, data, request_id, http_status):
        if not isinstance(data, dict):
            raise ServerError(f"{self.name}: unexpected answer {str(data)[:200]!r}", request_id=request_id)
        status = data.get("status") or {}
        code = str(status.get("code", "20000"))
        if code not in SUCCESS_CODES:
            raise self._envelope_error(code, status.get("message"), request_id, http_status)
        result = data.get("result")
        if not isinstance(result, dict):
            raise ServerError(f"{self.name}: the answer has no result", request_id=request_id)
        return result

    def _completion(self, result, request_id, messages=None):
        message = result.get("message") or {}
        text = message.get("content") or ""
        if self.api_version == "v1":
            prompt, completion, finish = result.get("inputLength"), result.get("outputLength"), result.get("stopReason")
        else:
            usage = result.get("usage") or {}
            prompt, completion = usage.get("promptTokens"), usage.get("completionTokens")
            finish = result.get("finishReason")
        if prompt is None or completion is None:
            usage = Usage(
                self.count_message_tokens(messages) if messages else 0, self.count_tokens(text), estimated=True
            )
        else:
            usage = Usage(int(prompt), int(completion))
        return Completion(
            text=text,
            usage=usage,
            finish_reason=normalize_finish_reason(finish),
            model=self.model,
            request_id=request_id,
            thinking=message.get("thinkingContent") or "",
        )

    def _complete_once(self, messages, max_tokens, temperature, json_schema, options):
        request_id = self.new_request_id()
        body = self.build_body(messages, max_tokens, temperature, json_schema, options)
        response, data = self._post_json(self.url, body, self.headers(request_id, stream=False), request_id)
        return self._completion(self._result(data, request_id, response.status_code), request_id, messages)

    def _stream_once(self, messages, max_tokens, temperature, json_schema, options):
        request_id = self.new_request_id()
        body = self.build_body(messages, max_tokens, temperature, json_schema, options)
        parts, thinking = [], []
        with self._open_stream(self.url, body, self.headers(request_id, stream=True), request_id) as response:
            if not is_event_stream(response):
                data = self._json_instead_of_sse(response, request_id)
                completion = self._completion(
                    self._result(data, request_id, response.status_code), request_id, messages
                )
                yield completion.text
                yield completion
                return
            done = False
            try:
                for sse in self._iter_sse(response, request_id):
                    if not sse.data:
                        continue
                    try:
                        payload = json.loads(sse.data)
                    except ValueError as exc:
                        raise ServerError(
                            f"{self.name}: unreadable {sse.event} event {sse.data[:200]!r}", request_id=request_id
                        ) from exc
                    if sse.event == "token":
                        message = payload.get("message") or {}
                        if message.get("thinkingContent"):
                            thinking.append(message["thinkingContent"])
                        delta = message.get("content") or ""
                        if delta:
                            parts.append(delta)
                            yield delta
                    elif sse.event == "result":
                        completion = self._completion(payload, request_id, messages)
                        # The result event repeats the whole answer; fall back to the deltas if it does not.
                        if not completion.text and parts:
                            completion = replace(completion, text="".join(parts))
                        if not completion.thinking and thinking:
                            completion = replace(completion, thinking="".join(thinking))
                        yield completion
                        return
                    elif sse.event == "error":
                        status = payload.get("status") or {}
                        raise self._envelope_error(status.get("code"), status.get("message"), request_id)
                    elif sse.event == "signal" and payload.get("data") == "[DONE]":
                        done = True
                        break
            except StreamInterruptedError as exc:
                exc.partial_text = "".join(parts)
                raise
        if not done:
            # EOF without result or [DONE]: a cut connection, not a finished answer.
            raise StreamInterruptedError(
                f"{self.name}: the stream ended before its result event",
                partial_text="".join(parts),
                request_id=request_id,
            )
        text = "".join(parts)
        yield Completion(
            text=text,
            usage=Usage(self.count_message_tokens(messages), self.count_tokens(text), estimated=True),
            finish_reason="stop",
            model=self.model,
            request_id=request_id,
            thinking="".join(thinking),
        )
