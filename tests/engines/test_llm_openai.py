"""OpenAI-compatible providers (generic servers and CLOVA's compatible endpoint) against a fake server."""

import pytest

from ai_pipeline.llm import (
    AuthenticationError,
    BadRequestError,
    Completion,
    ContextLengthExceededError,
    LLMError,
    LLMTimeoutError,
    RateLimitError,
    RetryPolicy,
    StreamInterruptedError,
)
from ai_pipeline.llm.openai_compat import ClovaOpenAIProvider, OpenAICompatProvider
from tests.support.fakes.openai_compat import FakeOpenAI

MESSAGES = [{"role": "system", "content": "You write minutes."}, {"role": "user", "content": "Summarise the meeting."}]


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def clova_fake():
    with FakeOpenAI(
        api_key="nv-clova-key", models=("HCX-005", "HCX-007"), clova_mode=True, context_window=128000
    ) as server:
        yield server


@pytest.fixture
def sleeps():
    return []


def make(fake, sleeps, cls=OpenAICompatProvider, **kwargs):
    kwargs.setdefault("model", fake.models[0])
    kwargs.setdefault("api_key", fake.api_key)
    kwargs.setdefault("retry", RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05))
    return cls(base_url=kwargs.pop("base_url", fake.url + "/v1"), sleep=sleeps.append, **kwargs)


def collect(provider, **kwargs):
    deltas, final = [], None
    for item in provider.stream(MESSAGES, max_tokens=100, **kwargs):
        if isinstance(item, Completion):
            final = item
        else:
            deltas.append(item)
    return deltas, final


def test_complete(fake, sleeps):
    completion = make(fake, sleeps).complete(MESSAGES, max_tokens=64, temperature=0.1, seed=7)
    assert completion.text == fake.reply and completion.finish_reason == "stop"
    assert completion.request_id.startswith("chatcmpl-")
    assert completion.usage.completion_tokens == len(fake.reply) and not completion.usage.estimated
    request = fake.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.header("Authorization") == f"Bearer {fake.api_key}"
    assert request.body == {
        "model": "test-model",
        "messages": MESSAGES,
        "temperature": 0.1,
        "max_tokens": 64,
        "seed": 7,
    }


def test_no_key_sends_no_authorization(sleeps):
    with FakeOpenAI(api_key="") as server:  # e.g. a local Ollama
        completion = make(server, sleeps, api_key="").complete(MESSAGES, max_tokens=10)
        assert completion.text == server.reply
        assert server.requests[-1].header("Authorization") is None


@pytest.mark.parametrize("space", [True, False])
def test_stream(fake, sleeps, space):
    fake.space_after_colon = space
    deltas, final = collect(make(fake, sleeps))
    assert "".join(deltas) == final.text == fake.reply
    assert final.finish_reason == "stop" and final.usage.estimated
    assert fake.requests[-1].body["stream"] is True
    assert "stream_options" not in fake.requests[-1].body


def test_stream_usage_when_asked(fake, sleeps):
    _deltas, final = collect(make(fake, sleeps, stream_usage=True))
    assert not final.usage.estimated and final.usage.completion_tokens == len(fake.reply)


def test_stream_without_done_but_with_finish_reason_is_complete(fake, sleeps):
    fake.send_done = False
    _deltas, final = collect(make(fake, sleeps))
    assert final.text == fake.reply


def test_reasoning_content_is_kept_apart(fake, sleeps):
    fake.reasoning = "thinking..."
    provider = make(fake, sleeps)
    assert provider.complete(MESSAGES, max_tokens=50).thinking == "thinking..."
    deltas, final = collect(provider)
    assert "".join(deltas) == fake.reply and final.thinking == "thinking..."


def test_json_schema_uses_response_format_and_prompt(fake, sleeps):
    schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    fake.reply = 'Sure! {"title": "Weekly sync"}'
    completion = make(fake, sleeps).complete(MESSAGES, max_tokens=50, json_schema=schema)
    body = fake.requests[-1].body
    assert body["response_format"] == {"type": "json_schema", "json_schema": {"name": "response", "schema": schema}}
    assert "JSON Schema" in body["messages"][0]["content"]
    assert completion.json() == {"title": "Weekly sync"}


def test_rate_limit_then_success(fake, sleeps):
    fake.fail(429, "rate_limit_exceeded", times=2, retry_after="1")
    assert make(fake, sleeps).complete(MESSAGES, max_tokens=10).text == fake.reply
    assert fake.attempts == 3 and all(s >= 1 for s in sleeps)


def test_retry_after_too_long_is_left_to_the_job_queue(fake, sleeps):
    fake.fail(429, "rate_limit_exceeded", times=1, retry_after="3600")
    with pytest.raises(RateLimitError) as info:
        make(fake, sleeps).complete(MESSAGES, max_tokens=10)
    assert info.value.retry_after == 3600 and fake.attempts == 1


def test_auth_and_bad_requests_are_not_retried(fake, sleeps):
    with pytest.raises(AuthenticationError):
        make(fake, sleeps, api_key="sk-wrong").complete(MESSAGES, max_tokens=10)
    with pytest.raises(BadRequestError):
        make(fake, sleeps, model="no-such-model").complete(MESSAGES, max_tokens=10)
    assert fake.attempts == 2 and sleeps == []


def test_context_exceeded(fake, sleeps):
    fake.context_window = 200
    with pytest.raises(ContextLengthExceededError) as info:
        make(fake, sleeps).complete([{"role": "user", "content": "x" * 150}], max_tokens=100)
    assert "maximum context length" in str(info.value) and fake.attempts == 1


def test_timeout(fake, sleeps):
    fake.delay = 1.0
    provider = make(fake, sleeps, timeout=0.2, retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    with pytest.raises(LLMTimeoutError):
        collect(provider)
    assert fake.attempts == 2


def test_error_chunk_mid_stream(fake, sleeps):
    fake.stream_error_after = 2
    deltas = []
    with pytest.raises(LLMError) as info:
        for item in make(fake, sleeps).stream(MESSAGES, max_tokens=100):
            deltas.append(item)
    assert len(deltas) == 2 and info.value.retryable and fake.attempts == 1


def test_cut_stream(fake, sleeps):
    fake.cut_stream_after = 2
    fake.send_done = False
    with pytest.raises(StreamInterruptedError) as info:
        for _item in make(fake, sleeps).stream(MESSAGES, max_tokens=100):
            pass
    assert info.value.partial_text == fake.reply[:4]


def test_clova_compatible_endpoint(clova_fake, sleeps):
    provider = make(clova_fake, sleeps, cls=ClovaOpenAIProvider, base_url=clova_fake.url + "/v1/openai")
    assert provider.model == "HCX-005" and provider.context_window == 128000
    completion = provider.complete(MESSAGES, max_tokens=50)
    deltas, final = collect(provider)

    assert completion.text == final.text == "".join(deltas) == clova_fake.reply
    request = clova_fake.requests[-1]
    assert request.path == "/v1/openai/chat/completions"
    assert request.header("Authorization") == "Bearer nv-clova-key"
    assert request.header("X-NCP-CLOVASTUDIO-REQUEST-ID")
    assert "stream_options" not in request.body  # CLOVA rejects it with 40002


def test_clova_compatible_hcx007_reasoning(clova_fake, sleeps):
    provider = make(clova_fake, sleeps, cls=ClovaOpenAIProvider, model="HCX-007", base_url=clova_fake.url)
    provider.complete(MESSAGES, max_tokens=100, stop=["\n\n"])
    body = clova_fake.requests[-1].body
    assert body["reasoning_effort"] == "low" and body["max_completion_tokens"] == 100 + 5120
    assert "max_tokens" not in body and "stop" not in body
    provider.complete(MESSAGES, max_tokens=100, json_schema={"type": "object"})
    body = clova_fake.requests[-1].body
    assert "reasoning_effort" not in body and body["response_format"]["type"] == "json_schema"


def test_clova_compatible_errors_use_clova_codes(clova_fake, sleeps):
    clova_fake.context_window = 100
    provider = make(clova_fake, sleeps, cls=ClovaOpenAIProvider, base_url=clova_fake.url)
    with pytest.raises(ContextLengthExceededError) as info:
        provider.complete([{"role": "user", "content": "가" * 90}], max_tokens=50)
    assert info.value.code == "40003"
    clova_fake.fail(429, "42901")
    assert provider.complete(MESSAGES, max_tokens=10).text == clova_fake.reply
