"""A fake CLOVA Studio chat-completions server speaking the real protocol (API_NOTES §1), over real HTTP.

    with FakeClova() as fake:
        provider = ClovaProvider(base_url=fake.url, api_key=fake.api_key)
        fake.reply = "회의 요약입니다."
        fake.fail(429, "42901", times=2)          # two rate-limited answers, then success
        fake.stream_error_after = 3               # 3 token events, then an error event
        fake.cut_stream_after = 3                 # 3 token events, then the connection closes
        fake.delay = 2.0                          # answer late (for client timeouts)
        fake.requests[-1].body / .headers / .path

Token counting here is one token per character, so tests can reason about context limits exactly.
"""

import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODELS = {  # model: (api version, context window, max output)
    "HCX-003": ("v1", 8192, 4096),
    "HCX-DASH-001": ("v1", 4096, 4096),
    "HCX-005": ("v3", 128000, 4096),
    "HCX-DASH-002": ("v3", 32000, 4096),
    "HCX-007": ("v3", 128000, 32768),
}
_CHAT_PATH = re.compile(r"^(?:/(?:testapp|serviceapp))?/(v1|v3)/chat-completions/([A-Za-z0-9\-_.]+)$")


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict  # lower-cased names
    body: object

    def header(self, name):
        return self.headers.get(name.lower())


@dataclass
class Failure:
    status: int
    code: str
    message: str = "error"
    retry_after: str | None = None


@dataclass
class FakeServerBase:
    """Threaded HTTP server on 127.0.0.1 and a random port; subclasses implement `handle(handler)`."""

    requests: list = field(default_factory=list)
    delay: float = 0.0  # seconds before answering
    failures: deque = field(default_factory=deque)

    def __post_init__(self):
        self._server = None
        self._thread = None
        self._lock = threading.Lock()

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                fake._safe_dispatch(self)

            def do_GET(self):  # noqa: N802
                fake._safe_dispatch(self)

            def log_message(self, format, *args):  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def fail(self, status, code, *, times=1, message="error", retry_after=None):
        """The next `times` requests fail with this status and code, then the server answers normally."""
        for _ in range(times):
            self.failures.append(Failure(status, str(code), message, retry_after))

    @property
    def attempts(self):
        return len(self.requests)

    def _safe_dispatch(self, handler):
        try:
            self._dispatch(handler)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client gave up (a timeout test)

    def _dispatch(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(
                RecordedRequest(handler.command, handler.path, {k.lower(): v for k, v in handler.headers.items()}, body)
            )
            failure = self.failures.popleft() if self.failures else None
        if self.delay:
            time.sleep(self.delay)
        if failure:
            return self.send_failure(handler, failure)
        return self.handle(handler, body)

    # Helpers for subclasses
    @staticmethod
    def send_json(handler, status, payload, headers=None):
        data = json.dumps(payload, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def start_sse(handler):
        # No Content-Length and Connection: close, so closing the socket is a clean EOF.
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True

    @staticmethod
    def write(handler, text):
        handler.wfile.write(text.encode())
        handler.wfile.flush()

    def send_failure(self, handler, failure):
        raise NotImplementedError

    def handle(self, handler, body):
        raise NotImplementedError


def split_tokens(text, size=2):
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@dataclass
class FakeClova(FakeServerBase):
    api_key: str = "nv-test-key-0123456789"
    legacy_api_key: str = "legacy-clovastudio-key"
    legacy_apigw_key: str = "legacy-apigw-key"
    reply: object = "네, 회의 내용을 요약했습니다."  # a string, or a callable(body) -> string
    thinking: str = "먼저 요청을 분석합니다."  # HCX-007 thinkingContent
    context_windows: dict = field(default_factory=dict)  # per-model override of MODELS' windows
    send_signal: bool = False  # end streams with `event: signal` / [DONE] after the result
    omit_result: bool = False  # end streams with signal [DONE] and no result event
    space_after_colon: bool = True  # `data: x` or `data:x`
    stream_error_after: int | None = None
    stream_error_code: str = "50000"
    cut_stream_after: int | None = None
    ignore_accept: bool = False  # answer JSON even when SSE was asked for

    def send_failure(self, handler, failure):
        headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
        self.send_json(handler, failure.status, {"status": {"code": failure.code, "message": failure.message}}, headers)

    def error(self, handler, status, code, message):
        self.send_json(handler, status, {"status": {"code": code, "message": message}})

    def _authorized(self, handler):
        auth = handler.headers.get("Authorization", "")
        if auth == f"Bearer {self.api_key}":
            return True
        return (
            handler.headers.get("X-NCP-CLOVASTUDIO-API-KEY") == self.legacy_api_key
            and handler.headers.get("X-NCP-APIGW-API-KEY") == self.legacy_apigw_key
        )

    def handle(self, handler, body):
        match = _CHAT_PATH.match(handler.path)
        if handler.command != "POST" or not match:
            return self.error(handler, 404, "40400", "Not found")
        if not self._authorized(handler):
            return self.error(handler, 401, "40100", "Unauthorized")
        version, model = match.groups()
        if model not in MODELS:
            return self.error(handler, 400, "40080", f"Model not found: {model}")
        model_version, window, max_output = MODELS[model]
        if version != model_version:
            return self.error(handler, 400, "40084", "API not supported for the model")
        window = self.context_windows.get(model, window)
        if not isinstance(body, dict):
            return self.error(handler, 400, "40000", "Bad request")
        problem = (self._check_v3 if version == "v3" else self._check_v1)(model, body, max_output)
        if problem:
            return self.error(handler, 400, "40001", problem)
        prompt_tokens = sum(len(m["content"]) for m in body["messages"])
        requested = body.get("maxTokens") or body.get("maxCompletionTokens") or 512
        if prompt_tokens + requested > window:
            return self.error(handler, 400, "40003", "Context length exceeded")
        text = self.reply(body) if callable(self.reply) else self.reply
        thinking = self.thinking if "thinking" in body and body["thinking"].get("effort") != "none" else ""
        stream = handler.headers.get("Accept", "") == "text/event-stream" and not self.ignore_accept
        if stream:
            return self._stream(handler, version, model, text, thinking, prompt_tokens)
        return self.send_json(handler, 200, self._envelope(version, model, text, thinking, prompt_tokens))

    def _check_v3(self, model, body, max_output):
        if not body.get("messages"):
            return "messages is required"
        if sum(1 for m in body["messages"] if m.get("role") == "system") > 1:
            return "Only one system message is allowed"
        if any(not isinstance(m.get("content"), str | list) for m in body["messages"]):
            return "Invalid content"
        if "maxTokens" in body and "maxCompletionTokens" in body:
            return "maxTokens and maxCompletionTokens cannot be used together"
        if "thinking" in body and any(key in body for key in ("stop", "tools", "responseFormat")):
            return "thinking cannot be used with stop, tools or responseFormat"
        if model != "HCX-007" and any(key in body for key in ("thinking", "maxCompletionTokens", "responseFormat")):
            return f"{model} does not support thinking, maxCompletionTokens or responseFormat"
        if "thinking" in body and body["thinking"].get("effort") not in ("none", "low", "medium", "high"):
            return "thinking.effort is invalid"
        limit = body.get("maxTokens", body.get("maxCompletionTokens", 1))
        if not isinstance(limit, int) or not 1 <= limit <= max_output:
            return f"max tokens out of range (1..{max_output})"
        if not 0 <= body.get("temperature", 0.5) <= 1:
            return "temperature out of range"
        fmt = body.get("responseFormat")
        if fmt is not None and (fmt.get("type") != "json" or "pattern" in json.dumps(fmt.get("schema"))):
            return "invalid responseFormat"
        return None

    def _check_v1(self, model, body, max_output):
        if not body.get("messages") or any(not isinstance(m.get("content"), str) for m in body["messages"]):
            return "messages must have string content"
        if any(key in body for key in ("maxCompletionTokens", "thinking", "responseFormat", "stop")):
            return "unsupported parameter for v1"
        if not 1 <= body.get("maxTokens", 100) <= 4096:
            return "maxTokens out of range (1..4096)"
        if not 0 < body.get("temperature", 0.5) <= 1:
            return "temperature out of range"
        return None

    @staticmethod
    def _usage(prompt_tokens, text, thinking):
        usage = {
            "promptTokens": prompt_tokens,
            "completionTokens": len(text) + len(thinking),
            "totalTokens": prompt_tokens + len(text) + len(thinking),
        }
        if thinking:
            usage["completionTokensDetails"] = {"thinkingTokens": len(thinking)}
        return usage

    def _result(self, version, text, thinking, prompt_tokens):
        message = {"role": "assistant", "content": text}
        if version == "v1":
            return {
                "message": message,
                "stopReason": "END_TOKEN",
                "inputLength": prompt_tokens,
                "outputLength": len(text),
                "seed": 1234,
                "aiFilter": [],
            }
        if thinking:
            message["thinkingContent"] = thinking
        return {
            "created": int(time.time() * 1000),
            "usage": self._usage(prompt_tokens, text, thinking),
            "message": message,
            "finishReason": "stop",
            "seed": 1234,
            "aiFilter": [],
        }

    def _envelope(self, version, model, text, thinking, prompt_tokens):
        return {
            "status": {"code": "20000", "message": "OK"},
            "result": self._result(version, text, thinking, prompt_tokens),
        }

    def _event(self, handler, event, data):
        sep = ": " if self.space_after_colon else ":"
        payload = json.dumps(data, ensure_ascii=False)
        self.write(handler, f"id{sep}{uuid.uuid4()}\nevent{sep}{event}\ndata{sep}{payload}\n\n")

    def _stream(self, handler, version, model, text, thinking, prompt_tokens):
        self.start_sse(handler)
        for piece in split_tokens(thinking, 4) if thinking else []:
            self._event(handler, "token", {"message": {"role": "assistant", "content": "", "thinkingContent": piece}})
        for sent, piece in enumerate(split_tokens(text)):
            if self.cut_stream_after is not None and sent >= self.cut_stream_after:
                return  # the connection closes mid-answer
            if self.stream_error_after is not None and sent >= self.stream_error_after:
                self._event(handler, "error", {"status": {"code": self.stream_error_code, "message": "Stream failed"}})
                return
            data = {"message": {"role": "assistant", "content": piece}}
            if version == "v3":
                data.update(finishReason=None, created=int(time.time()), seed=1234, usage=None)
            self._event(handler, "token", data)
        if not self.omit_result:
            self._event(handler, "result", self._result(version, text, thinking, prompt_tokens))
        if self.send_signal or self.omit_result:
            self._event(handler, "signal", {"data": "[DONE]"})
