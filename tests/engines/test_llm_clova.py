"""The HyperCLOVA X provider against a fake CLOVA Studio server over real HTTP."""

import uuid

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
    ServerError,
    StreamInterruptedError,
)
from ai_pipeline.llm.clova import ClovaProvider
from tests.support.fakes.clova import FakeClova

MESSAGES = [
    {"role": "system", "content": "회의록을 작성하는 비서입니다."},
    {"role": "user", "content": "오늘 회의를 요약해 주세요."},
]


@pytest.fixture
def fake():
    with FakeClova() as server:
        yield server


@pytest.fixture
def sleeps():
    return []


def make(fake, sleeps, model="HCX-005", **kwargs):
    kwargs.setdefault("api_key", fake.api_key)
    kwargs.setdefault("retry", RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05))
    return ClovaProvider(model, base_url=kwargs.pop("base_url", fake.url), sleep=sleeps.append, **kwargs)


def collect(provider, **kwargs):
    deltas, final = [], None
    for item in provider.stream(MESSAGES, max_tokens=256, **kwargs):
        if isinstance(item, Completion):
            final = item
        else:
            deltas.append(item)
    return deltas, final


def test_v3_complete_sends_bearer_request_id_and_v3_body(fake, sleeps):
    completion = make(fake, sleeps).complete(MESSAGES, max_tokens=300, temperature=0.2)

    assert completion.text == fake.reply
    assert completion.finish_reason == "stop"
    assert completion.model == "HCX-005"
    prompt_chars = sum(len(m["content"]) for m in MESSAGES)
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (prompt_chars, len(fake.reply))
    assert not completion.usage.estimated
    request = fake.requests[-1]
    assert request.path == "/v3/chat-completions/HCX-005"
    assert request.header("Authorization") == f"Bearer {fake.api_key}"
    assert request.header("X-NCP-CLOVASTUDIO-API-KEY") is None
    assert str(uuid.UUID(request.header("X-NCP-CLOVASTUDIO-REQUEST-ID"))) == completion.request_id
    assert request.header("Accept") == "application/json"
    assert request.body == {"messages": MESSAGES, "temperature": 0.2, "maxTokens": 300}


def test_each_call_gets_its_own_request_id(fake, sleeps):
    provider = make(fake, sleeps)
    first, second = provider.complete(MESSAGES, max_tokens=10), provider.complete(MESSAGES, max_tokens=10)
    assert first.request_id != second.request_id
    assert [r.header("X-NCP-CLOVASTUDIO-REQUEST-ID") for r in fake.requests] == [first.request_id, second.request_id]


def test_system_messages_are_merged_into_one(fake, sleeps):
    messages = [
        {"role": "system", "content": "A"},
        {"role": "user", "content": "질문"},
        {"role": "system", "content": "B"},
    ]
    make(fake, sleeps).complete(messages, max_tokens=10)
    sent = fake.requests[-1].body["messages"]
    assert sent == [{"role": "system", "content": "A\n\nB"}, {"role": "user", "content": "질문"}]


def test_legacy_keys_use_the_two_header_pair_and_testapp_prefix(fake, sleeps):
    provider = make(
        fake,
        sleeps,
        model="HCX-003",
        api_key=fake.legacy_api_key,
        apigw_api_key=fake.legacy_apigw_key,
        base_url=fake.url + "/testapp",
    )
    completion = provider.complete(MESSAGES, max_tokens=200, temperature=0)

    request = fake.requests[-1]
    assert request.path == "/testapp/v1/chat-completions/HCX-003"
    assert request.header("Authorization") is None
    assert request.header("X-NCP-CLOVASTUDIO-API-KEY") == fake.legacy_api_key
    assert request.header("X-NCP-APIGW-API-KEY") == fake.legacy_apigw_key
    # v1: maxTokens, and a temperature strictly above zero.
    assert request.body["maxTokens"] == 200
    assert 0 < request.body["temperature"] <= 0.01
    # v1 answers: upper-case stopReason, inputLength/outputLength.
    assert completion.finish_reason == "stop"
    assert completion.usage.completion_tokens == len(fake.reply)


def test_serviceapp_prefix_and_v3_stream(fake, sleeps):
    deltas, final = collect(make(fake, sleeps, base_url=fake.url + "/serviceapp"))
    assert fake.requests[-1].path == "/serviceapp/v3/chat-completions/HCX-005"
    assert "".join(deltas) == fake.reply
    assert len(deltas) > 3
    assert final.text == fake.reply and final.finish_reason == "stop"
    assert fake.requests[-1].header("Accept") == "text/event-stream"


def test_hcx007_thinking_body_and_thinking_content(fake, sleeps):
    provider = make(fake, sleeps, model="HCX-007", thinking_effort="medium")
    completion = provider.complete(MESSAGES, max_tokens=1000, stop=["###"])

    body = fake.requests[-1].body
    assert body["thinking"] == {"effort": "medium"}
    assert body["maxCompletionTokens"] == 1000 + 10240
    assert "maxTokens" not in body and "stop" not in body
    assert completion.text == fake.reply
    assert completion.thinking == fake.thinking

    deltas, final = collect(provider)
    assert "".join(deltas) == fake.reply  # reasoning never leaks into the text deltas
    assert final.thinking == fake.thinking


def test_hcx007_structured_output_uses_response_format_without_thinking(fake, sleeps):
    schema = {"type": "object", "properties": {"title": {"type": "string", "pattern": "^.+$"}}, "required": ["title"]}
    fake.reply = '{"title": "주간 회의"}'
    completion = make(fake, sleeps, model="HCX-007").complete(MESSAGES, max_tokens=500, json_schema=schema)

    body = fake.requests[-1].body
    assert body["responseFormat"] == {
        "type": "json",
        "schema": {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]},
    }
    assert "thinking" not in body and body["maxCompletionTokens"] == 500
    assert completion.json() == {"title": "주간 회의"}


def test_other_models_get_json_instructions_in_the_prompt(fake, sleeps):
    schema = {"type": "object", "properties": {"overview": {"type": "string"}}}
    fake.reply = '```json\n{"overview": "요약"}\n```'
    completion = make(fake, sleeps, model="HCX-DASH-002").complete(MESSAGES, max_tokens=100, json_schema=schema)

    body = fake.requests[-1].body
    assert "responseFormat" not in body
    system = body["messages"][0]
    assert system["role"] == "system" and '"overview"' in system["content"] and "JSON" in system["content"]
    assert completion.json() == {"overview": "요약"}


@pytest.mark.parametrize("space", [True, False])
@pytest.mark.parametrize("signal", [True, False])
def test_sse_parsing_with_and_without_spaces_and_signal(fake, sleeps, space, signal):
    fake.space_after_colon = space
    fake.send_signal = signal
    deltas, final = collect(make(fake, sleeps))
    assert "".join(deltas) == fake.reply
    assert final.text == fake.reply and final.usage.prompt_tokens > 0


def test_stream_ending_with_signal_done_without_result(fake, sleeps):
    fake.omit_result = True
    deltas, final = collect(make(fake, sleeps))
    assert final.text == "".join(deltas) == fake.reply
    assert final.usage.estimated


def test_v1_stream(fake, sleeps):
    deltas, final = collect(make(fake, sleeps, model="HCX-003"))
    assert fake.requests[-1].path == "/v1/chat-completions/HCX-003"
    assert "".join(deltas) == final.text == fake.reply
    assert final.usage.prompt_tokens == sum(len(m["content"]) for m in MESSAGES)


def test_server_ignoring_accept_still_streams_the_json_answer(fake, sleeps):
    fake.ignore_accept = True
    deltas, final = collect(make(fake, sleeps))
    assert deltas == [fake.reply] and final.text == fake.reply


def test_rate_limit_then_success_retries_with_backoff_and_retry_after(fake, sleeps):
    fake.fail(429, "42901", times=2, message="Rate exceeded", retry_after="2")
    completion = make(fake, sleeps).complete(MESSAGES, max_tokens=50)

    assert completion.text == fake.reply
    assert fake.attempts == 3
    assert len(sleeps) == 2 and all(delay >= 2 for delay in sleeps)


def test_rate_limit_in_stream_retries_before_any_text(fake, sleeps):
    fake.fail(429, "42901", times=1)
    deltas, final = collect(make(fake, sleeps))
    assert final.text == fake.reply and fake.attempts == 2


def test_rate_limit_gives_up_after_max_attempts(fake, sleeps):
    fake.fail(429, "42901", times=5)
    with pytest.raises(RateLimitError) as info:
        make(fake, sleeps).complete(MESSAGES, max_tokens=50)
    assert info.value.retryable and info.value.code == "42901" and info.value.status == 429
    assert fake.attempts == 3


def test_server_error_is_retried(fake, sleeps):
    fake.fail(500, "50000", times=1, message="Internal Server Error")
    assert make(fake, sleeps).complete(MESSAGES, max_tokens=50).text == fake.reply
    assert fake.attempts == 2


def test_persistent_server_error_raises_retryable_error(fake, sleeps):
    fake.fail(500, "50000", times=3)
    with pytest.raises(ServerError) as info:
        make(fake, sleeps).complete(MESSAGES, max_tokens=50)
    assert info.value.retryable and info.value.code == "50000"
    assert fake.attempts == 3


def test_wrong_key_is_not_retried(fake, sleeps):
    with pytest.raises(AuthenticationError) as info:
        make(fake, sleeps, api_key="nv-wrong").complete(MESSAGES, max_tokens=50)
    assert not info.value.retryable and info.value.code == "40100" and info.value.status == 401
    assert fake.attempts == 1 and sleeps == []


def test_legacy_key_without_the_gateway_key_is_unauthorized(fake, sleeps):
    with pytest.raises(AuthenticationError):
        make(fake, sleeps, api_key=fake.legacy_api_key).complete(MESSAGES, max_tokens=50)
    assert fake.attempts == 1


def test_bad_request_is_not_retried(fake, sleeps):
    fake.fail(400, "40001", message="Invalid parameter")
    with pytest.raises(BadRequestError) as info:
        make(fake, sleeps).complete(MESSAGES, max_tokens=50)
    assert not info.value.retryable and info.value.code == "40001"
    assert fake.attempts == 1


def test_context_exceeded_is_a_clear_non_retryable_error(fake, sleeps):
    fake.context_windows["HCX-005"] = 100
    messages = [{"role": "user", "content": "가" * 90}]
    with pytest.raises(ContextLengthExceededError) as info:
        make(fake, sleeps).complete(messages, max_tokens=50)
    assert info.value.code == "40003" and not info.value.retryable
    assert "Context length exceeded" in str(info.value)
    assert fake.attempts == 1


def test_the_client_budget_follows_the_model_table(fake, sleeps):
    provider = make(fake, sleeps, model="HCX-003")
    assert provider.context_window == 8192 and provider.max_output_tokens == 4096
    assert provider.input_budget(1000) == 7192
    assert make(fake, sleeps, model="HCX-007").max_output_tokens == 32768
    with pytest.raises(ContextLengthExceededError):
        provider.check_fits([{"role": "user", "content": "회의" * 4000}], max_tokens=1000)
    provider.check_fits([{"role": "user", "content": "회의" * 100}], max_tokens=1000)


def test_timeout_is_retryable_and_retried_the_configured_times(fake, sleeps):
    fake.delay = 1.0
    provider = make(fake, sleeps, timeout=0.2, retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    with pytest.raises(LLMTimeoutError) as info:
        provider.complete(MESSAGES, max_tokens=50)
    assert info.value.retryable
    assert fake.attempts == 2 and len(sleeps) == 1


def test_error_event_mid_stream_raises_after_partial_text(fake, sleeps):
    fake.stream_error_after = 3
    provider = make(fake, sleeps)
    deltas = []
    with pytest.raises(LLMError) as info:
        for item in provider.stream(MESSAGES, max_tokens=100):
            deltas.append(item)
    assert info.value.code == "50000" and info.value.retryable
    assert len(deltas) == 3
    assert fake.attempts == 1  # text was already handed out, so no silent restart


def test_stream_cut_midway_is_an_interrupted_stream(fake, sleeps):
    fake.cut_stream_after = 2
    deltas = []
    with pytest.raises(StreamInterruptedError) as info:
        for item in make(fake, sleeps).stream(MESSAGES, max_tokens=100):
            deltas.append(item)
    assert info.value.retryable
    assert info.value.partial_text == "".join(deltas) and len(deltas) == 2


def test_stream_cut_before_any_text_is_retried(fake, sleeps):
    fake.cut_stream_after = 0
    with pytest.raises(StreamInterruptedError):
        collect(make(fake, sleeps))
    assert fake.attempts == 3


def test_unreachable_server_is_retryable(sleeps):
    with FakeClova() as server:
        url = server.url
    provider = ClovaProvider(
        base_url=url, api_key="nv-x", retry=RetryPolicy(max_attempts=2, base_delay=0.01), sleep=sleeps.append
    )
    with pytest.raises(LLMError) as info:
        provider.complete(MESSAGES, max_tokens=10)
    assert info.value.retryable and len(sleeps) == 1


def test_parameter_checks_of_the_fake_are_real_protocol_rules(fake, sleeps):
    # thinking together with stop is rejected by the server; the client never sends it (see above).
    provider = make(fake, sleeps, model="HCX-007")
    body = provider.build_body(MESSAGES, 100, 0.5, None, {"stop": ["x"]})
    assert "stop" not in body
    import httpx

    bad = dict(body, stop=["x"])
    response = httpx.post(
        f"{fake.url}/v3/chat-completions/HCX-007",
        json=bad,
        headers={"Authorization": f"Bearer {fake.api_key}"},
    )
    assert response.status_code == 400 and response.json()["status"]["code"] == "40001"
    both = dict(body, maxTokens=10)
    response = httpx.post(
        f"{fake.url}/v3/chat-completions/HCX-007", json=both, headers={"Authorization": f"Bearer {fake.api_key}"}
    )
    assert response.json()["status"]["code"] == "40001"
