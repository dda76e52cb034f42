"""What the HTTP providers share: one pooled httpx client, transport-error translation, SSE reading,
and the mapping from an HTTP status to an LLMError that says whether retrying helps."""

import uuid
from contextlib import contextmanager

import httpx
from httpx_sse import EventSource

from .base import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ContextLengthExceededError,
    LLMError,
    LLMProvider,
    LLMTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    parse_retry_after,
)


def error_for_status(status, message, *, code=None, context_exceeded=False, **kwargs):
    """The LLMError for an HTTP status (or a status derived from a provider's error code)."""
    kwargs.update(status=status, code=code)
    if status in (401, 403):
        return AuthenticationError(message, **kwargs)
    if status == 408:
        return LLMTimeoutError(message, **kwargs)
    if status == 429:
        return RateLimitError(message, **kwargs)
    if context_exceeded:
        return ContextLengthExceededError(message, **kwargs)
    if 400 <= status < 500:
        return BadRequestError(message, **kwargs)
    if status >= 500 and status != 501:
        return ServerError(message, **kwargs)
    return LLMError(message, retryable=False, **kwargs)


class HTTPProvider(LLMProvider):
    default_base_url = ""

    def __init__(
        self, model=None, *, base_url=None, api_key="", connect_timeout=10.0, transport=None, url_guard=None, **kwargs
    ):
        super().__init__(model, **kwargs)
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        if not self.base_url:
            raise ConfigurationError(f"The {self.name} provider needs a base URL (LLM_BASE_URL).", missing="base_url")
        self.api_key = api_key or ""
        # Called with the URL right before each request; raises an LLMError to refuse it (an
        # organization-set base URL that now resolves to an internal address).
        self.url_guard = url_guard
        self.connect_timeout = min(float(connect_timeout), self.timeout)
        self._transport = transport
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = httpx.Client(
                # The read timeout bounds the wait for each chunk, so a long stream that keeps
                # producing is never cut, while a silent server is.
                timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
                transport=self._transport,
                follow_redirects=False,
            )
        return self._client

    def close(self):
        if self._client is not None:
            self._client.close()
            self._client = None

    @staticmethod
    def new_request_id():
        return str(uuid.uuid4())

    # Subclasses turn an error response into (code, message, context_exceeded).
    def _describe_error(self, response):
        return None, response.text[:500] or response.reason_phrase, False

    def _error_from_response(self, response, request_id):
        code, message, context_exceeded = self._describe_error(response)
        return error_for_status(
            response.status_code,
            f"{self.name}: {message}",
            code=code,
            context_exceeded=context_exceeded,
            request_id=request_id,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )

    @contextmanager
    def _transport_errors(self, request_id):
        try:
            yield
        except httpx.TimeoutException as exc:
            raise LLMTimeoutError(
                f"{self.name}: no answer within {self.timeout:g}s ({type(exc).__name__})", request_id=request_id
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderUnavailableError(
                f"{self.name}: cannot reach {self.base_url}: {exc}", request_id=request_id
            ) from exc

    def _post_json(self, url, body, headers, request_id):
        if self.url_guard is not None:
            self.url_guard(url)
        with self._transport_errors(request_id):
            response = self.client.post(url, json=body, headers=headers)
        if response.status_code >= 400:
            raise self._error_from_response(response, request_id)
        try:
            return response, response.json()
        except ValueError as exc:
            raise ServerError(
                f"{self.name}: the answer is not JSON ({response.headers.get('content-type')})",
                status=response.status_code,
                request_id=request_id,
            ) from exc

    @contextmanager
    def _open_stream(self, url, body, headers, request_id):
        if self.url_guard is not None:
            self.url_guard(url)
        with (
            self._transport_errors(request_id),
            self.client.stream("POST", url, json=body, headers=headers) as response,
        ):
            if response.status_code >= 400:
                response.read()
                raise self._error_from_response(response, request_id)
            yield response

    def _json_instead_of_sse(self, response, request_id):
        """The whole answer of a server (or proxy) that ignored `Accept: text/event-stream` and sent JSON."""
        response.read()
        try:
            return response.json()
        except ValueError as exc:
            raise ServerError(f"{self.name}: the answer is neither SSE nor JSON", request_id=request_id) from exc

    def _iter_sse(self, response, request_id):
        """Server-sent events; `data:` with or without a space after the colon (httpx-sse follows the spec)."""
        try:
            yield from EventSource(response).iter_sse()
        except httpx.TimeoutException as exc:
            raise LLMTimeoutError(
                f"{self.name}: the stream stalled for more than {self.timeout:g}s", request_id=request_id
            ) from exc
        except httpx.TransportError as exc:
            raise StreamInterruptedError(
                f"{self.name}: the connection dropped mid-stream ({exc})", request_id=request_id
            ) from exc


def is_event_stream(response):
    return response.headers.get("content-type", "").partition(";")[0].strip().lower() == "text/event-stream"
