"""`manage.py ask "QUESTION" --org SLUG [--provider NAME] --json`: the contract the team's evaluation runs."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ai_pipeline.chat import NOT_FOUND
from meetings.models import Segment
from tests.support.fakes.clova import FakeClova
from tests.support.search_archive import BUDGET_HEARING_RECORD

RECORDS = [
    BUDGET_HEARING_RECORD,
    {
        "id": "secret-001",
        "title": "보안 사고 대응",
        "date": "2024-06-11",
        "speakers": ["최보안"],
        "turns": [{"speaker": "최보안", "text": "서버 비밀번호 유출 사고는 11월 3일 새벽에 발생했습니다."}],
        "source": "test",
    },
]


@pytest.fixture
def imported(db, tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text(json.dumps(RECORDS[0], ensure_ascii=False) + "\n", encoding="utf-8")
    call_command("import_meetings", str(path), "--org", "edu", stdout=StringIO())
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps(RECORDS[1], ensure_ascii=False) + "\n", encoding="utf-8")
    call_command("import_meetings", str(other), "--org", "secops", stdout=StringIO())


def ask(*args):
    out = StringIO()
    call_command("ask", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_ask_json_shape_with_the_offline_provider(imported):
    result = ask("내년 급식 예산을 얼마로 편성했나요?", "--org", "edu", "--provider", "offline")
    assert set(result) == {"answer", "citations"}
    assert "320억" in result["answer"] and "[1]" in result["answer"]
    assert result["citations"][0] == {"meeting": "demo-001", "position": 1, "start": result["citations"][0]["start"]}
    segment = Segment.objects.get(meeting__source__external_id="demo-001", position=1)
    assert result["citations"][0]["start"] == segment.start
    assert all(set(c) == {"meeting", "position", "start"} for c in result["citations"])


def test_ask_is_scoped_to_the_organization(imported):
    result = ask("서버 비밀번호 유출 사고는 언제 일어났나요?", "--org", "edu", "--provider", "offline")
    assert result["answer"].startswith(NOT_FOUND) and result["citations"] == []
    assert "11월 3일" not in result["answer"] and "보안 사고" not in result["answer"]  # nor offered as a near miss
    result = ask("서버 비밀번호 유출 사고는 언제 일어났나요?", "--org", "secops", "--provider", "offline")
    assert result["citations"][0]["meeting"] == "secret-001"


def test_ask_with_clova(imported, settings):
    with FakeClova(reply="급식 예산은 320억 원입니다 [1]. 근거 없음 [5].") as fake:
        settings.LLM_PROVIDER = "hyperclova"
        settings.LLM_BASE_URL = fake.url
        settings.LLM_API_KEY = fake.api_key
        result = ask("내년 급식 예산은?", "--org", "edu", "--provider", "hyperclova")
    assert result["answer"] == "급식 예산은 320억 원입니다 [1]. 근거 없음."
    assert result["citations"] == [{"meeting": "demo-001", "position": 1, "start": result["citations"][0]["start"]}]


def test_ask_errors(imported):
    with pytest.raises(CommandError, match="No organization"):
        ask("질문", "--org", "nope")
    with pytest.raises(CommandError):
        ask("질문", "--org", "edu", "--provider", "no-such-provider")
