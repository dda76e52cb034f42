"""The extractive (offline) writer: each transcript sentence in one section only, no provenance in the text,
a third of a short transcript at most, templates that change the wording (the Korean report style ends its
bullets in 개조식), and deadlines resolved by the one due-date rule."""

import datetime
import importlib.util
import json
import re
from pathlib import Path

import pytest

from ai_pipeline.llm.offline import OfflineProvider
from ai_pipeline.llm.sentences import split_sentences
from ai_pipeline.minutes import BUILTIN_TEMPLATES, Template, generate_minutes, to_markdown
from ai_pipeline.minutes.style import report_style
from ai_pipeline.minutes.turns import Turn, turns_from_json
from tests.support.tools import missing_tool

EVAL = Path("/work/shared/eval")
ROOT = Path(__file__).resolve().parents[2]
TUESDAY = datetime.date(2026, 11, 24)


def _bench():
    """bench/minutes.py: the short excerpts and the length measure the README's numbers come from."""
    spec = importlib.util.spec_from_file_location("bench_minutes", ROOT / "bench" / "minutes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dev_records(limit):
    path = EVAL / "corpus_dev.jsonl"
    if not path.exists():
        missing_tool(f"the evaluation data is not at {path}")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(next(handle)) for _ in range(limit)]


def _write(record, template="default"):
    turns, title, date = turns_from_json(record)
    data = generate_minutes(
        turns, provider=OfflineProvider(), template=BUILTIN_TEMPLATES[template], title=title, date=date
    ).data
    return turns, data


def _filled(data):
    """(section, text) of every sentence-bearing item the writer filled."""
    overview = re.sub(r"^(?:화자|Speakers): [^.]*\.\s*", "", data["overview"])
    if overview:
        yield "overview", overview
    for point in data["key_points"]:
        yield "key_points", point.partition(": ")[2] or point
    yield from (("decisions", item["text"]) for item in data["decisions"])
    yield from (("action_items", item["text"]) for item in data["action_items"])
    yield from (("open_questions", text) for text in data["open_questions"])


def _bigrams(text):
    text = re.sub(r"\W+", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _source(text, sentences):
    """The transcript sentence an item was made from: the one sharing most of its character pairs."""
    pairs = _bigrams(text.rstrip("…"))
    return max(range(len(sentences)), key=lambda i: len(pairs & _bigrams(sentences[i])))


@pytest.mark.parametrize("template", ["default", "report"])
def test_no_transcript_sentence_appears_in_two_sections(template):
    records = _dev_records(12)
    excerpts = [record for _key, record in _bench().short_excerpts(records)[:12]]
    checked = 0
    for record in records + excerpts:
        turns, data = _write(record, template)
        sentences = [s for turn in turns for s in split_sentences(turn.text)]
        claimed = {}
        for section, text in _filled(data):
            source = _source(text, sentences)
            assert source not in claimed, f"{sentences[source]!r} is in {claimed.get(source)} and {section}"
            claimed[source] = section
            checked += 1
    assert checked > 100


def test_a_decision_with_a_deadline_is_not_also_an_action_item():
    turns = [
        Turn(0, "김민수", "오늘은 출시 일정을 논의하겠습니다.", 0.0, 4.0),
        Turn(1, "이지은", "출시는 다음 주 금요일까지 마치기로 결정했습니다.", 4.0, 9.0),
        Turn(2, "박서준", "제가 금요일까지 보도자료를 준비하겠습니다.", 9.0, 14.0),
    ]
    data = generate_minutes(turns, provider=OfflineProvider(), date=TUESDAY).data
    assert [d["text"] for d in data["decisions"]] == ["출시는 다음 주 금요일까지 마치기로 결정했습니다."]
    assert [a["text"] for a in data["action_items"]] == ["제가 금요일까지 보도자료를 준비하겠습니다."]
    assert data["overview"].endswith("오늘은 출시 일정을 논의하겠습니다.")
    assert data["key_points"] == []  # every sentence already has its section


def test_the_overview_says_what_was_discussed_not_how_it_was_written():
    for record in _dev_records(5):
        _turns, data = _write(record)
        assert data["overview"] and "추출 요약" not in data["overview"] and "언어 모델" not in data["overview"]
    english = [
        Turn(0, "Alice", "Let's review the launch plan.", 0.0, 4.0),
        Turn(1, "Bob", "We decided to move the launch to next Monday.", 4.0, 9.0),
    ]
    data = generate_minutes(english, provider=OfflineProvider(), date=TUESDAY).data
    assert "Extractive" not in data["overview"] and "Let's review the launch plan." in data["overview"]
    assert data["extractive"] is True  # the page's badge says it (and the Markdown export's note)


def test_short_meetings_are_a_third_of_their_transcript_or_less():
    bench = _bench()
    excerpts = bench.short_excerpts(_dev_records(40))
    assert len(excerpts) >= 60
    for _key, record in excerpts:
        turns, data = _write(record)
        transcript = sum(len(turn.text) for turn in turns)
        assert 400 <= transcript <= 900
        assert len(bench.minutes_text(data)) <= transcript / 3, record["id"]
        assert data["overview"] or data["key_points"]


def test_a_tiny_meeting_keeps_its_decision_task_and_subject():
    turns = [
        Turn(0, "Alice", "Let's review the launch plan.", 0.0, 4.0),
        Turn(1, "Bob", "We decided to move the launch to next Monday.", 4.0, 9.0),
        Turn(2, "Alice", "I will send the release notes by Friday.", 9.0, 14.0),
        Turn(3, "Bob", "Who owns the billing migration?", 14.0, 18.0),
    ]
    data = generate_minutes(turns, provider=OfflineProvider(), date=TUESDAY).data
    assert data["decisions"][0]["text"] == "We decided to move the launch to next Monday."
    assert data["action_items"][0]["text"] == "I will send the release notes by Friday."
    assert data["overview"] == "Let's review the launch plan."
    assert data["open_questions"] == []  # 145 characters of talk leave no room for more


# --- templates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spoken", "report"),
    [
        ("출시는 다음 달 3일로 하기로 결정했습니다.", "출시는 다음 달 3일로 하기로 결정함"),
        ("제가 다음 주 금요일까지 마케팅 계획안을 작성하겠습니다.", "마케팅 계획안을 작성 예정"),
        ("예산안을 다시 검토해야 합니다.", "예산안을 다시 검토 필요"),
        ("개발은 거의 끝났고 결제 모듈 테스트만 남았습니다.", "개발은 거의 끝났고 결제 모듈 테스트만 남았음"),
        ("이 문제는 교육청이 책임져야 할 부분입니다.", "이 문제는 교육청이 책임져야 할 부분임"),
        ("확정되었습니다.", "확정됨"),
        ("네, 그러면 보내 드리겠습니다.", "보내 드릴 예정"),
        ("자료를 제출해 주시기 바랍니다.", "자료를 제출 요청"),
        ("그렇게 합시다.", "그렇게 하기로 함"),
        ("이건 좀 아닌 것 같아요.", "이건 좀 아닌 것으로 보임"),
        ("지원센터가 하고 있고요.", "지원센터가 하고 있음"),
        ("서버 증설 비용은 누가 확인할까요?", "서버 증설 비용은 누가 확인할지 검토 필요"),
        ("부교육감 공석이 언제부터입니까?", "부교육감 공석이 언제부터인지 확인 필요"),
        ("발표를 하셨어요, 그렇지요?", "발표를 하셨는지 확인 필요"),
        ("Let us ship it.", "Let us ship it."),  # not Korean: left as said
    ],
)
def test_the_korean_report_style_rewrites_spoken_endings(spoken, report):
    task = spoken.startswith("제가")
    expected = report if not task else "다음 주 금요일까지 " + report
    assert report_style(spoken, task=task) == expected


def test_the_report_template_writes_every_bullet_in_report_style():
    endings = re.compile(r"(?:니다|니까|[요죠])[\s.?!…]*$")
    bullets = polite = 0
    for record in _dev_records(20):
        _turns, default = _write(record, "default")
        _turns, report = _write(record, "report")
        assert report != default
        items = [p.partition(": ")[2] for p in report["key_points"]] + report["open_questions"]
        items += [d["text"] for d in report["decisions"]] + [a["text"] for a in report["action_items"]]
        bullets += len(items)
        polite += sum(1 for text in items if endings.search(text) and not text.endswith("필요"))
    assert bullets > 300
    # Spoken asides a rule cannot place ("…, 교육에 대해서?") keep their words; 2.3% on these meetings.
    assert polite <= bullets * 0.05


def test_an_organizations_own_template_needs_a_model_and_is_written_as_the_default():
    record = _dev_records(1)[0]
    turns, title, date = turns_from_json(record)
    custom = Template("org:7", "Ours", "고객 영향부터 적어 주세요.")
    ours = generate_minutes(turns, provider=OfflineProvider(), template=custom, title=title, date=date)
    default = generate_minutes(turns, provider=OfflineProvider(), title=title, date=date)
    assert ours.data == default.data and ours.template == "org:7"


def test_offline_deadlines_follow_the_due_date_rule():
    context = "The checklist covers the installer, the documentation and the migration scripts for customers."
    turns = [
        Turn(0, "Alice", "Today we review the release checklist.", 0.0, 4.0),
        Turn(1, "Bob", "I'll send the draft by Wednesday.", 4.0, 9.0),
        Turn(2, "Carol", "I will fix the build by Tuesday afternoon.", 9.0, 14.0),
        Turn(3, "Dan", "We'll publish the notes by next Friday.", 14.0, 18.0),
        *[Turn(4 + n, "Alice", f"{context} Part {n} is unchanged.", 18.0 + n, 19.0 + n) for n in range(4)],
    ]
    data = generate_minutes(turns, provider=OfflineProvider(), date=TUESDAY).data
    due = {item["owner"]: item["due_date"] for item in data["action_items"]}
    assert due == {"Bob": "2026-11-25", "Carol": "2026-11-24", "Dan": "2026-12-04"}
    assert "2026-11-25 (by Wednesday)" in to_markdown(data)
