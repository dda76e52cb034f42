"""The offline (extractive) provider, the cue helpers on Korean text, and provider selection from settings."""

import pytest

from ai_pipeline.llm import ConfigurationError, RetryPolicy, estimate_tokens, get_provider, parse_json_text
from ai_pipeline.llm.base import InvalidOutputError
from ai_pipeline.llm.clova import ClovaProvider
from ai_pipeline.llm.offline import EXTRACTIVE_LABEL, OfflineProvider
from ai_pipeline.llm.openai_compat import ClovaOpenAIProvider, OpenAICompatProvider
from ai_pipeline.llm.sentences import (
    due_text,
    extractive_digest,
    find_cues,
    is_action_item,
    is_decision,
    owner_hint,
    rank_sentences,
    split_sentences,
    top_sentences,
)

MEETING = """안녕하세요, 주간 회의 시작하겠습니다.
이번 주 안건은 신규 결제 시스템 도입 일정과 결제 오류 대응입니다.
네.
지난주 결제 오류는 대부분 카드사 응답 지연 때문이었습니다.
결제 시스템 교체는 다음 분기로 미루기로 했습니다.
대신 결제 오류 모니터링 대시보드를 먼저 만들기로 합의했습니다.
김민수 님이 대시보드 설계를 담당해 주세요.
다음 주 금요일까지 초안을 공유해 주세요.
음.
결제 오류 알림 기준은 오류율 1퍼센트로 결정했습니다.
제가 카드사 담당자와 미팅을 잡아 보겠습니다.
점심 메뉴는 아직 모르겠네요.
오늘은 여기까지 하겠습니다. 수고하셨습니다."""


def test_split_sentences_on_punctuation_and_lines():
    assert split_sentences("첫 문장입니다. 둘째 문장이에요? 셋째!\n넷째") == [
        "첫 문장입니다.",
        "둘째 문장이에요?",
        "셋째!",
        "넷째",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "결제 시스템 교체는 다음 분기로 미루기로 했습니다.",
        "대시보드를 먼저 만들기로 합의했습니다.",
        "알림 기준은 오류율 1퍼센트로 결정했습니다.",
        "출시일은 3월 2일로 확정됐습니다.",
        "We decided to ship on Monday.",
        "The team agreed on the new pricing.",
    ],
)
def test_decision_cues(sentence):
    assert is_decision(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["지난주 결제 오류는 카드사 응답 지연 때문이었습니다.", "점심 메뉴는 아직 모르겠네요.", "It was a good quarter."],
)
def test_not_decisions(sentence):
    assert not is_decision(sentence)


@pytest.mark.parametrize(
    ("sentence", "owner", "due"),
    [
        ("김민수 님이 대시보드 설계를 담당해 주세요.", "김민수", ""),
        ("다음 주 금요일까지 초안을 공유해 주세요.", "", "다음 주 금요일까지"),
        ("박지영 씨, 내일까지 보고서 부탁드립니다.", "박지영", "내일까지"),
        ("담당: 이영희", "이영희", ""),
        ("제가 카드사 담당자와 미팅을 잡아 보겠습니다.", "", ""),
        ("John will update the docs by Friday.", "John", "by Friday"),
        ("Please send the deck before next Monday.", "", "before next Monday"),
    ],
)
def test_action_item_cues_with_owner_and_due(sentence, owner, due):
    assert is_action_item(sentence)
    assert owner_hint(sentence) == owner
    assert due_text(sentence) == due


@pytest.mark.parametrize(
    "sentence", ["오늘은 여기까지 하겠습니다.", "점심 메뉴는 아직 모르겠네요.", "It rained a lot."]
)
def test_not_action_items(sentence):
    assert not is_action_item(sentence)


def test_ranking_prefers_central_sentences_and_drops_fillers():
    sentences = split_sentences(MEETING)
    ranked = dict(rank_sentences(sentences))
    assert ranked[sentences.index("네.")] == 0 and ranked[sentences.index("음.")] == 0
    assert ranked[sentences.index("오늘은 여기까지 하겠습니다.")] == 0
    top = top_sentences(sentences, 3)
    assert len(top) == 3
    assert all("결제" in s for s in top)
    assert "점심 메뉴는 아직 모르겠네요." not in top
    # original order is kept
    assert top == sorted(top, key=sentences.index)


def test_find_cues_and_digest_on_a_korean_meeting():
    cues = find_cues(split_sentences(MEETING))
    decisions = [c.sentence for c in cues if c.kind == "decision"]
    assert decisions == [
        "결제 시스템 교체는 다음 분기로 미루기로 했습니다.",
        "대신 결제 오류 모니터링 대시보드를 먼저 만들기로 합의했습니다.",
        "결제 오류 알림 기준은 오류율 1퍼센트로 결정했습니다.",
    ]
    digest = extractive_digest(MEETING, key_points=4)
    assert digest["extractive"] is True and len(digest["key_points"]) == 4
    items = {item["text"]: item for item in digest["action_items"]}
    assert items["김민수 님이 대시보드 설계를 담당해 주세요."]["owner"] == "김민수"
    assert items["다음 주 금요일까지 초안을 공유해 주세요."]["due"] == "다음 주 금요일까지"
    assert "제가 카드사 담당자와 미팅을 잡아 보겠습니다." in items
    assert extractive_digest("") == {"extractive": True, "key_points": [], "decisions": [], "action_items": []}


def test_offline_provider_is_clearly_labelled_and_streams():
    provider = OfflineProvider()
    completion = provider.complete(
        [{"role": "system", "content": "회의록을 써 주세요."}, {"role": "user", "content": MEETING}], max_tokens=500
    )
    assert completion.extractive and completion.text.startswith(EXTRACTIVE_LABEL)
    assert "미루기로 했습니다" in completion.text and "[owner: 김민수]" in completion.text
    items = list(provider.stream(MEETING, max_tokens=500))
    assert items[0] == completion.text and items[-1].extractive

    structured = provider.complete(MEETING, max_tokens=500, json_schema={"type": "object"}).json()
    assert structured["extractive"] is True and len(structured["decisions"]) == 3


def test_estimate_tokens_is_generous_for_korean():
    assert estimate_tokens("") == 0
    assert estimate_tokens("회의록") == 3
    assert estimate_tokens("meeting minutes") == 2 + 2
    assert estimate_tokens("회의 meeting, 3") == 2 + 2 + 1 + 1


def test_parse_json_text():
    assert parse_json_text('noise {"a": {"b": 1}} trailing') == {"a": {"b": 1}}
    assert parse_json_text('```json\n{"a": 1}\n```') == {"a": 1}
    with pytest.raises(InvalidOutputError) as info:
        parse_json_text("no json here {broken")
    assert info.value.retryable


def test_get_provider_defaults_to_offline(settings):
    settings.LLM_PROVIDER = "offline"
    assert isinstance(get_provider(), OfflineProvider)


def test_get_provider_reads_settings(settings):
    settings.LLM_PROVIDER = "hyperclova"
    settings.LLM_MODEL = "HCX-007"
    settings.LLM_BASE_URL = "http://127.0.0.1:9/testapp"
    settings.LLM_API_KEY = "nv-from-settings"
    settings.LLM_TIMEOUT = 7
    settings.LLM_MAX_RETRIES = 5
    provider = get_provider()
    assert isinstance(provider, ClovaProvider)
    assert (provider.model, provider.base_url, provider.api_key) == (
        "HCX-007",
        "http://127.0.0.1:9/testapp",
        "nv-from-settings",
    )
    assert provider.timeout == 7 and provider.retry.max_attempts == 6
    assert provider.max_output_tokens == 32768
    # overrides win
    assert get_provider(model="HCX-DASH-002", timeout=3).model == "HCX-DASH-002"
    assert get_provider("clova").model == "HCX-007"


def test_asking_for_another_provider_does_not_leak_the_configured_key(settings):
    settings.LLM_PROVIDER = "hyperclova"
    settings.LLM_MODEL = "HCX-005"
    settings.LLM_API_KEY = "nv-secret"
    provider = get_provider("openai", model="llama3", base_url="http://127.0.0.1:11434/v1")
    assert isinstance(provider, OpenAICompatProvider)
    assert provider.api_key == "" and provider.model == "llama3"
    assert isinstance(get_provider("offline"), OfflineProvider)


def test_get_provider_clova_openai_and_context_override(settings):
    settings.LLM_PROVIDER = "openai"
    settings.LLM_MODEL = "qwen2.5-7b"
    settings.LLM_BASE_URL = "http://127.0.0.1:8000/v1"
    settings.LLM_CONTEXT_WINDOW = 32768
    provider = get_provider()
    assert provider.context_window == 32768 and provider.input_budget(2048) == 32768 - 2048
    assert isinstance(get_provider("clova-openai", api_key="nv-k"), ClovaOpenAIProvider)


def test_configuration_errors_say_what_is_missing():
    with pytest.raises(ConfigurationError) as unknown:
        get_provider("no-such-provider")
    with pytest.raises(ConfigurationError) as no_key:
        ClovaProvider(api_key="")
    with pytest.raises(ConfigurationError) as no_model:
        OpenAICompatProvider(base_url="http://127.0.0.1:1/v1")
    with pytest.raises(ConfigurationError) as effort:
        ClovaProvider(api_key="nv-x", thinking_effort="extreme")
    # The message names the settings (for operators); `missing` is what a page may tell anyone else.
    assert "LLM_API_KEY" in str(no_key.value) and no_key.value.missing == "api_key"
    assert no_model.value.missing == "model"
    assert unknown.value.missing == "" and effort.value.missing == ""


def test_retry_policy_backoff_is_capped_and_jittered():
    policy = RetryPolicy(base_delay=1, max_delay=8)
    for attempt in range(1, 10):
        delay = policy.delay(attempt)
        cap = min(8, 2 ** (attempt - 1))
        assert cap / 2 <= delay <= cap
    assert policy.delay(1, retry_after=5) == 5
