"""A fake OpenAI-compatible chat server (vLLM / Ollama / llama.cpp / OpenAI / CLOVA's /v1/openai), over real HTTP.

Accepts POST .../chat/completions under any base path and GET .../models. `clova_mode` makes it behave
like CLOVA Studio's compatible endpoint: CLOVA error codes ("40003") and 40002 for unsupported fields
such as stream_options. Tokens are counted one per character.
"""

import json
import time
import uuid
from dataclasses import dataclass, field

from .clova import Failure, FakeServerBase, split_tokens

UNSUPPORTED_BY_CLOVA = {"stream_options", "frequency_penalty", "presence_penalty", "logprobs", "logit_bias", "user"}


@dataclass
class FakeOpenAI(FakeServerBase):
    api_key: str = "sk-test-key"
    models: tuple = ("test-model",)
    reply: object = "Here is the summary."  # a string, or a callable(body) -> string
    reasoning: str = ""  # sent as reasoning_content (vLLM) when set
    context_window: int = 4096
    clova_mode: bool = False
    send_done: bool = True
    space_after_colon: bool = True
    usage_in_stream: bool = True  # honour stream_options.include_usage
    stream_error_after: int | None = None
    cut_stream_after: int | None = None
    finish_reason: str = "stop"
    extra_models: list = field(default_factory=list)

    def _error_body(self, status, code, message):
        if self.clova_mode:
            return {"error": {"message": message, "type": None, "param": None, "code": code}}
        return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}

    def error(self, handler, status, code, message, headers=None):
        self.send_json(handler, status, self._error_body(status, code, message), headers)

    def send_failure(self, handler, failure: Failure):
        headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
        self.error(handler, failure.status, failure.code, failure.message, headers)

    def handle(self, handler, body):
        if self.api_key and handler.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self.error(handler, 401, "40100" if self.clova_mode else "invalid_api_key", "Incorrect API key")
        path = handler.path.rstrip("/")
        if handler.command == "GET" and path.endswith("/models"):
            data = [{"id": m, "object": "model", "owned_by": "fake"} for m in (*self.models, *self.extra_models)]
            return self.send_json(handler, 200, {"object": "list", "data": data})
        if handler.command != "POST" or not path.endswith("/chat/completions"):
            return self.error(handler, 404, "40400" if self.clova_mode else "not_found", "Not found")
        if not isinstance(body, dict) or not body.get("messages"):
            return self.error(handler, 400, "40000" if self.clova_mode else "invalid_request", "messages is required")
        if body.get("model") not in (*self.models, *self.extra_models):
            return self.error(handler, 404, "40080" if self.clova_mode else "model_not_found", "Model not found")
        if self.clova_mode:
            unsupported = sorted(UNSUPPORTED_BY_CLOVA & body.keys())
            if unsupported:
                return self.error(handler, 400, "40002", f"Unsupported parameter: {', '.join(unsupported)}")
            if body.get("reasoning_effort") and ("stop" in body or "response_format" in body):
                return self.error(handler, 400, "40001", "reasoning cannot be used with stop or response_format")
        if "max_tokens" in body and "max_completion_tokens" in body:
            return self.error(handler, 400, "40001" if self.clova_mode else "invalid_request", "Use one max field")
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in body["messages"])
        requested = body.get("max_tokens") or body.get("max_completion_tokens") or 512
        if prompt_tokens + requested > self.context_window:
            message = (
                f"This model's maximum context length is {self.context_window} tokens. However, you requested "
                f"{prompt_tokens + requested} tokens."
            )
            return self.error(handler, 400, "40003" if self.clova_mode else "context_length_exceeded", message)
        text = self.reply(body) if callable(self.reply) else self.reply
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(text),
            "total_tokens": prompt_tokens + len(text),
        }
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        if body.get("stream"):
            include_usage = self.usage_in_stream and (body.get("stream_options") or {}).get("include_usage")
            return self._stream(handler, body, text, completion_id, usage if include_usage else None)
        message = {"role": "assistant", "content": text}
        if self.reasoning:
            message["reasoning_content"] = self.reasoning
        return self.send_json(
            handler,
            200,
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}],
                "usage": usage,
            },
        )

    def _data(self, handler, payload):
        sep = ": " if self.space_after_colon else ":"
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        self.write(handler, f"data{sep}{text}\n\n")

    def _chunk(self, completion_id, model, delta, finish_reason=None):
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    def _stream(self, handler, body, text, completion_id, usage):
        self.start_sse(handler)
        model = body["model"]
        self._data(handler, self._chunk(completion_id, model, {"role": "assistant", "content": ""}))
        if self.reasoning:
            self._data(handler, self._chunk(completion_id, model, {"reasoning_content": self.reasoning}))
        for sent, piece in enumerate(split_tokens(text)):
            if self.cut_stream_after is not None and sent >= self.cut_stream_after:
                return
            if self.stream_error_after is not None and sent >= self.stream_error_after:
                code = "50000" if self.clova_mode else "server_error"
                self._data(handler, self._error_body(500, code, "The stream failed"))
                return
            self._data(handler, self._chunk(completion_id, model, {"content": piece}))
        self._data(handler, self._chunk(completion_id, model, {}, self.finish_reason))
        if usage:
            self._data(handler, {"id": completion_id, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        if self.send_done:
            self._data(handler, "[DONE]")
