"""`manage.py summarize TRANSCRIPT.json --json`: the contract's shape for both input formats, with the
offline provider and with an OpenAI-compatible fake server. These tests have no database access at
all (pytest-django refuses any query without the db fixture), which is how "no database writes" is checked."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.support.fakes.openai_compat import FakeOpenAI

KEYS = ["title", "overview", "key_points", "decisions", "action_items", "open_questions", "topics"]

TURNS_INPUT = {
    "title": "출시 회의",
    "date": "2026-11-25",
    "turns": [
        {"speaker": "김민수", "text": "오늘은 신규 서비스 출시 일정을 논의하겠습니다."},
        {"speaker": "이지은", "text": "개발은 거의 끝났고 결제 모듈 테스트만 남았습니다."},
        {"speaker": "김민수", "text": "출시는 다음 달 3일로 하기로 결정했습니다."},
        {"speaker": "박서준", "text": "제가 다음 주 금요일까지 마케팅 계획안을 작성하겠습니다."},
        {"speaker": "이지은", "text": "서버 증설 비용은 누가 확인할까요?"},
    ],
}
TRANSCRIBE_OUTPUT = {
    "duration": 50.0,
    "language": "ko",
    "segments": [
        {"start": 10.0 * i, "end": 10.0 * i + 8, "speaker": f"S{1 + i % 2}", "text": t["text"]}
        for i, t in enumerate(TURNS_INPUT["turns"])
    ],
    "timings": {"transcribe": 1.0},
}


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("summarize", str(path), *args, stdout=out, stderr=err)
    return json.loads(out.getvalue())


def check_shape(result):
    assert list(result) == KEYS
    assert isinstance(result["title"], str) and isinstance(result["overview"], str)
    assert all(isinstance(p, str) for p in result["key_points"] + result["open_questions"])
    assert all(set(d) == {"text", "speaker"} for d in result["decisions"])
    assert all(set(a) == {"text", "owner", "due"} for a in result["action_items"])
    assert all(set(t) == {"title", "start", "end"} for t in result["topics"])


def test_turns_format_offline(tmp_path):
    path = tmp_path / "meeting.json"
    path.write_text(json.dumps(TURNS_INPUT, ensure_ascii=False), encoding="utf-8")
    result = run(path, "--provider", "offline", "--json")
    check_shape(result)
    assert result["title"] == "출시 회의" and result["overview"] == "오늘은 신규 서비스 출시 일정을 논의하겠습니다."
    assert result["decisions"] == [{"text": "출시는 다음 달 3일로 하기로 결정했습니다.", "speaker": "김민수"}]
    action = next(a for a in result["action_items"] if "마케팅" in a["text"])
    assert action["due"] == "2026-12-04" and action["owner"] == "박서준"
    assert result["key_points"] == ["이지은: 개발은 거의 끝났고 결제 모듈 테스트만 남았습니다."]
    # A third of a 125-character meeting (at least 133 characters) holds no more: the question is left out.
    assert result["open_questions"] == [] and result["topics"] == []


def test_transcribe_output_format_with_the_report_template(tmp_path):
    path = tmp_path / "transcript.json"
    path.write_text(json.dumps(TRANSCRIBE_OUTPUT, ensure_ascii=False), encoding="utf-8")
    result = run(path, "--provider", "offline", "--template", "report", "--json")
    check_shape(result)
    assert result["decisions"] == [{"text": "출시는 다음 달 3일로 하기로 결정함", "speaker": "S1"}]
    action = next(a for a in result["action_items"] if "마케팅" in a["text"])
    assert action["text"] == "다음 주 금요일까지 마케팅 계획안을 작성 예정"
    assert action["due"] == "다음 주 금요일까지"  # no date in the input: the deadline as said
    assert result["topics"] == []  # five turns are one stretch: no topics to list


def test_topics_keep_the_transcript_times(tmp_path):
    budget = "이번 예산안은 급식 예산과 시설 예산을 중심으로 다시 살펴봐야 합니다."
    hiring = "신규 교사 채용 일정과 채용 인원을 교육지원청별로 정리해야 합니다."
    segments = [
        {
            "start": 10.0 * i,
            "end": 10.0 * i + 8,
            "speaker": f"S{1 + i % 2}",
            "text": f"{i}. {budget if i < 20 else hiring}",
        }
        for i in range(40)
    ]
    path = tmp_path / "transcript.json"
    path.write_text(json.dumps({"segments": segments}, ensure_ascii=False), encoding="utf-8")
    result = run(path, "--provider", "offline", "--json")
    check_shape(result)
    assert [t["start"] for t in result["topics"]] == [0.0, 200.0]
    assert result["topics"][-1]["end"] == 398.0
    assert "예산" in result["topics"][0]["title"] and "채용" in result["topics"][1]["title"]


def test_openai_compatible_provider_through_the_cli(tmp_path, settings):
    def reply(body):
        return json.dumps(
            {
                "title": "출시 회의",
                "overview": "출시일과 마케팅을 논의함",
                "key_points": ["출시일 결정"],
                "decisions": [{"text": "출시일은 다음 달 3일", "line": 2}],
                "action_items": [{"text": "계획안 작성", "owner": "박서준", "due": "다음 주 금요일", "line": 3}],
                "open_questions": [],
                "topics": [{"title": "출시", "from_line": 0, "to_line": 4}],
            },
            ensure_ascii=False,
        )

    path = tmp_path / "meeting.json"
    path.write_text(json.dumps(TURNS_INPUT, ensure_ascii=False), encoding="utf-8")
    with FakeOpenAI(reply=reply, context_window=32000) as fake:
        settings.LLM_PROVIDER = "openai"
        settings.LLM_MODEL = "test-model"
        settings.LLM_BASE_URL = fake.url + "/v1"
        settings.LLM_API_KEY = fake.api_key
        result = run(path, "--provider", "openai", "--json")
    check_shape(result)
    assert result["decisions"] == [{"text": "출시일은 다음 달 3일", "speaker": "김민수"}]
    assert result["action_items"] == [{"text": "계획안 작성", "owner": "박서준", "due": "2026-12-04"}]


@pytest.mark.parametrize("content", ["not json", json.dumps({"foo": []}), json.dumps([1, 2])])
def test_bad_input_is_a_command_error(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError):
        run(path, "--json")


def test_missing_file_and_unknown_template(tmp_path):
    with pytest.raises(CommandError):
        run(tmp_path / "nope.json", "--json")
    path = tmp_path / "meeting.json"
    path.write_text(json.dumps(TURNS_INPUT), encoding="utf-8")
    with pytest.raises(CommandError):
        run(path, "--template", "nope", "--json")
