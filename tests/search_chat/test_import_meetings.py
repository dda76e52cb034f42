"""The CLI contracts the team's evaluation runs: import_meetings, search, rebuild_index."""

import contextlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Organization
from ai_pipeline.models import MeetingSource, Passage
from meetings.models import Meeting, Segment
from tests.support.search_archive import BUDGET_HEARING_RECORD

RECORDS = [
    BUDGET_HEARING_RECORD,
    {
        "id": "demo-002",
        "title": "사법개혁 특별위원회",
        "date": "2024-06-11",
        "speakers": ["위원 박주민"],
        "turns": [{"speaker": "위원 박주민", "text": "고위공직자범죄수사처 설치 법안을 논의합니다."}],
        "source": "test",
    },
]


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_import_creates_the_organization_and_meetings(tmp_path):
    path = write_jsonl(tmp_path / "corpus.jsonl", RECORDS)
    result = json.loads(run("import_meetings", str(path), "--org", "eval-org", "--json"))
    organization = Organization.objects.get(slug="eval-org")
    assert result["organization"] == "eval-org"
    assert (result["created"], result["replaced"]) == (2, 0)
    assert [m["id"] for m in result["meetings"]] == ["demo-001", "demo-002"]
    assert result["meetings"][0]["segments"] == 3 and result["meetings"][0]["passages"] >= 2

    meeting = MeetingSource.objects.get(organization=organization, external_id="demo-001").meeting
    assert meeting.title == "교육위원회 예산 심사"
    assert timezone.localtime(meeting.held_at).date().isoformat() == "2024-05-02"
    segments = list(meeting.segments.order_by("position"))
    assert [s.position for s in segments] == [0, 1, 2]
    assert segments[1].speaker.name == "교육감 조희연"
    assert segments[1].text == RECORDS[0]["turns"][1]["text"]
    assert segments[0].start == 0 and segments[1].start >= segments[0].end
    assert {s.name for s in meeting.speakers.all()} == {"위원장 김생환", "교육감 조희연"}
    assert Passage.objects.filter(meeting=meeting).exists()


@pytest.mark.django_db
def test_reimporting_an_id_replaces_the_meeting(tmp_path):
    path = write_jsonl(tmp_path / "corpus.jsonl", RECORDS)
    run("import_meetings", str(path), "--org", "eval-org", "--json")
    changed = json.loads(json.dumps(RECORDS[0]))
    changed["turns"][1]["text"] = "내년 급식 예산은 350억 원으로 늘렸습니다."
    changed["turns"] = changed["turns"][:2]
    result = json.loads(
        run("import_meetings", str(write_jsonl(tmp_path / "again.jsonl", [changed])), "--org", "eval-org", "--json")
    )
    assert (result["created"], result["replaced"]) == (0, 1)
    assert Meeting.objects.filter(organization__slug="eval-org").count() == 2
    meeting = MeetingSource.objects.get(external_id="demo-001").meeting
    assert list(meeting.segments.values_list("text", flat=True)) == [t["text"] for t in changed["turns"]]
    hits = json.loads(run("search", "급식 예산 350억", "--org", "eval-org", "--json"))
    assert hits[0]["meeting"] == "demo-001" and hits[0]["position"] == 1
    assert "350억" in hits[0]["snippet"]


@pytest.mark.django_db
def test_search_json_shape(tmp_path):
    run("import_meetings", str(write_jsonl(tmp_path / "c.jsonl", RECORDS)), "--org", "eval-org", "--json")
    hits = json.loads(run("search", "급식 예산을 얼마로 편성했나요?", "--org", "eval-org", "--limit", "3", "--json"))
    assert 1 <= len(hits) <= 3
    for hit in hits:
        assert set(hit) == {"meeting", "position", "start", "score", "snippet"}
        assert isinstance(hit["position"], int) and isinstance(hit["start"], float)
        assert isinstance(hit["score"], float) and isinstance(hit["snippet"], str)
    assert (hits[0]["meeting"], hits[0]["position"]) == ("demo-001", 1)
    segment = Segment.objects.get(meeting__source__external_id="demo-001", position=1)
    assert hits[0]["start"] == round(segment.start, 2)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


@pytest.mark.django_db
def test_search_cli_sees_only_its_organization(tmp_path):
    run("import_meetings", str(write_jsonl(tmp_path / "a.jsonl", RECORDS[:1])), "--org", "org-a", "--json")
    run("import_meetings", str(write_jsonl(tmp_path / "b.jsonl", RECORDS[1:])), "--org", "org-b", "--json")
    hits = json.loads(run("search", "고위공직자범죄수사처 설치", "--org", "org-a", "--json"))
    assert {h["meeting"] for h in hits} <= {"demo-001"}
    hits = json.loads(run("search", "고위공직자범죄수사처 설치", "--org", "org-b", "--json"))
    assert hits[0]["meeting"] == "demo-002"


@pytest.mark.django_db
def test_cli_errors(tmp_path):
    with pytest.raises(CommandError):
        run("search", "예산", "--org", "no-such-org", "--json")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run("import_meetings", str(bad), "--org", "eval-org")
    with pytest.raises(CommandError):
        run("rebuild_index", "--meeting", "999999")


@pytest.mark.django_db
def test_rebuild_index_and_no_index_import(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", RECORDS)
    result = json.loads(run("import_meetings", str(path), "--org", "eval-org", "--no-index", "--json"))
    assert all(m["passages"] == 0 for m in result["meetings"])
    assert json.loads(run("search", "급식 예산", "--org", "eval-org", "--json")) == []
    assert "Indexed 2 meetings" in run("rebuild_index", "--org", "eval-org")
    hits = json.loads(run("search", "급식 예산", "--org", "eval-org", "--json"))
    assert hits[0]["meeting"] == "demo-001"


@pytest.mark.django_db
def test_an_import_that_stopped_half_way_goes_on_where_it_stopped(tmp_path):
    path = write_jsonl(tmp_path / "corpus.jsonl", RECORDS)
    # The first run got through the first meeting only (as if the process had been killed after it).
    run("import_meetings", str(write_jsonl(tmp_path / "first.jsonl", RECORDS[:1])), "--org", "eval-org", "--json")
    first = MeetingSource.objects.get(external_id="demo-001").meeting
    passages_before = set(first.passages.values_list("pk", flat=True))
    result = json.loads(run("import_meetings", str(path), "--org", "eval-org", "--json"))
    assert (result["created"], result["replaced"], result["unchanged"]) == (1, 0, 1)
    assert [m["unchanged"] for m in result["meetings"]] == [True, False]
    assert result["meetings"][0]["passages"] == len(passages_before)
    # Left as it was: the same rows, not deleted and written again.
    assert set(first.passages.values_list("pk", flat=True)) == passages_before
    assert Meeting.objects.filter(organization__slug="eval-org").count() == 2


@pytest.mark.django_db
def test_a_meeting_imported_but_never_indexed_is_imported_again(tmp_path):
    path = write_jsonl(tmp_path / "corpus.jsonl", RECORDS[:1])
    run("import_meetings", str(path), "--org", "eval-org", "--no-index", "--json")
    result = json.loads(run("import_meetings", str(path), "--org", "eval-org", "--json"))
    assert (result["replaced"], result["unchanged"]) == (1, 0)
    assert result["meetings"][0]["passages"] >= 2


@pytest.mark.django_db
def test_import_progress_shows_turns_rate_and_time_left_on_stderr(tmp_path):
    path = write_jsonl(tmp_path / "corpus.jsonl", RECORDS)
    err = StringIO()
    with contextlib.redirect_stderr(err):
        call_command("import_meetings", str(path), "--org", "eval-org", stdout=StringIO())
    shown = err.getvalue()
    turns = sum(len(r["turns"]) for r in RECORDS)
    assert f"{turns}/{turns}" in shown and "2/2 meetings" in shown
    assert "turn/s" in shown or "s/turn" in shown  # the rate, which way round tqdm finds readable
    assert "<" in shown  # tqdm's elapsed<left
