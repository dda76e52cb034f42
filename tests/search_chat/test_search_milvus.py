"""SEARCH_BACKEND=milvus against a real Milvus protocol server (milvus-lite, tests/support/milvus.py): the
same search through the same Scope, with the index in Milvus. Organizations never see each other's
passages, withheld meetings never appear, edits and deletions reach the index, the relevance floor still
says "no results", the filters hold, the CLI prints what it prints with the local engine, and a write that
fails leaves the meeting marked out of date until rebuild_index --backend milvus catches up. milvus-lite is
slow, so the archive is small (three meetings, a dozen passages)."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from ai_pipeline.models import OutOfDateIndex, Passage
from ai_pipeline.search import engine, milvus
from meetings.models import Meeting
from meetings.search import explain_search, search
from meetings.search.indexing import index_meeting, remove_meeting
from tests.support.ports import free_port
from tests.support.search_archive import make_archive, make_meeting


@pytest.fixture
def archive(milvus_backend, org, other_org, member):
    """The search tests' archive, written to Milvus as it is indexed."""
    return make_archive(org, other_org, budget_participants=[member])


def places(hits):
    return [(hit.meeting_id, hit.position) for hit in hits]


def in_index(*meetings):
    return milvus.meeting_row_counts([m.pk for m in meetings])


@pytest.mark.parametrize("fusion", ["app", "server"])
def test_every_passage_is_in_milvus_and_nothing_stays_in_the_web_process(archive, member, settings, fusion):
    settings.MILVUS_FUSION = fusion  # app: the two retrievers fused as the local engine fuses; server: by Milvus
    for meeting in archive.values():
        assert in_index(meeting) == {meeting.pk: Passage.objects.filter(meeting=meeting).count()}
    hits = search(member, "마케팅 비용은 얼마로 정해졌나요?")
    assert places(hits)[0] == (archive["budget"].pk, 1)
    assert engine.cached_bytes() == 0


def test_milvus_ranks_as_the_local_engine_when_the_app_fuses(archive, member, settings):
    queries = ["마케팅 비용은 얼마로 정해졌나요?", "신제품 출시일", "서버 비밀번호 유출 사고", "예산 회의"]
    through_milvus = [places(search(member, query)) for query in queries]
    settings.SEARCH_BACKEND = "local"
    engine.clear_cache()
    assert [places(search(member, query)) for query in queries] == through_milvus


def test_an_unknown_fusion_is_refused(archive, member, settings):
    settings.MILVUS_FUSION = "both"
    with pytest.raises(ImproperlyConfigured, match="MILVUS_FUSION"):
        search(member, "예산")


@pytest.mark.parametrize("fusion", ["app", "server"])
def test_an_organization_never_sees_another_organizations_passages(archive, member, outsider, settings, fusion):
    settings.MILVUS_FUSION = fusion
    query = "서버 비밀번호 유출 사고는 언제 일어났나요?"
    for mode in ("hybrid", "lexical", "dense"):
        hits = search(member, query, mode=mode)
        assert archive["security"].pk not in {hit.meeting_id for hit in hits}, mode
        assert all(hit.organization_id == archive["budget"].organization_id for hit in hits), mode
    assert search(member, "비밀번호 유출", mode="lexical") == []
    assert places(search(outsider, query))[0] == (archive["security"].pk, 0)


def test_a_withheld_meeting_never_appears(archive, member, owner):
    launch = archive["launch"]
    Meeting.objects.filter(pk=launch.pk).update(visibility="selected")
    for mode in ("hybrid", "lexical", "dense"):
        assert launch.pk not in {h.meeting_id for h in search(member, "신제품 출시일", mode=mode)}, mode
    assert launch.pk in {h.meeting_id for h in search(owner, "신제품 출시일")}
    # nor as a near miss
    assert launch.pk not in {s.meeting_id for s in explain_search(member, "제품 출시 회의 자료").suggestions}


def test_edits_and_deletions_reach_the_index(archive, member):
    budget, launch = archive["budget"], archive["launch"]
    assert search(member, "사무실 이전", mode="lexical") == []
    segment = budget.segments.get(position=2)
    segment.text = "사무실 이전은 6월로 결정했습니다."
    segment.save(update_fields=["text"])
    index_meeting(budget)
    assert places(search(member, "사무실을 이전", mode="lexical"))[0] == (budget.pk, 2)
    assert in_index(budget) == {budget.pk: Passage.objects.filter(meeting=budget).count()}

    remove_meeting(budget)
    assert in_index(budget) == {}
    assert search(member, "예산", mode="lexical") == []

    # A meeting deleted by cascade still has rows in Milvus until its removal runs: hits are re-read
    # from the database, so it never shows.
    launch_id = launch.pk
    launch.delete()
    assert launch_id not in {h.meeting_id for h in search(member, "신제품 출시일")}


@pytest.mark.parametrize("query", ["qwxz plmokn", "오늘 점심 메뉴는 무엇인가요?", "zebra migration patterns"])
def test_the_relevance_floor_still_says_no_results(archive, member, query):
    assert search(member, query) == []
    outcome = explain_search(member, query)
    assert not outcome.found and outcome.below_floor > 0  # Milvus offered neighbours; none was evidence


def test_filters_are_applied_in_milvus_before_ranking(archive, member):
    budget, launch = archive["budget"].pk, archive["launch"].pk
    assert {h.meeting_id for h in search(member, "회의")} == {budget, launch}
    assert {h.meeting_id for h in search(member, "회의", filters={"date_from": "2024-02-01"})} == {launch}
    assert {h.meeting_id for h in search(member, "회의", filters={"date_to": "2024-01-31"})} == {budget}
    assert {h.meeting_id for h in search(member, "회의", filters={"tag": "출시"})} == {launch}
    assert {h.meeting_id for h in search(member, "회의", filters={"meeting": budget})} == {budget}
    assert {h.meeting_id for h in search(member, "회의", filters={"participant": member.pk})} == {budget}
    hits = search(member, "참가자 모집", filters={"speaker": "한소희"})
    assert hits and all(h.speaker_name == "한소희" for h in hits)
    assert search(member, "출시", filters={"meeting": budget}) == []
    assert search(member, "회의", filters={"tag": "없는 태그"}) == []


def run_search(*args):
    out = StringIO()
    call_command("search", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_the_search_cli_prints_the_same_contract_as_the_local_engine(archive, org, settings):
    query = "마케팅 예산은 얼마로 확정됐나요?"
    from_milvus = run_search(query, "--org", org.slug, "--limit", "3")
    settings.SEARCH_BACKEND = "local"
    from_local = run_search(query, "--org", org.slug, "--limit", "3")
    assert from_milvus and from_local
    assert [set(row) for row in from_milvus] == [{"meeting", "position", "start", "score", "snippet"}] * len(
        from_milvus
    )
    assert set(from_local[0]) == set(from_milvus[0])
    top = [(rows[0]["meeting"], rows[0]["position"]) for rows in (from_milvus, from_local)]
    assert top[0] == top[1]
    settings.SEARCH_BACKEND = "milvus"
    assert run_search("qwxz plmokn", "--org", org.slug) == []


def test_a_failed_write_marks_the_meeting_out_of_date_until_a_rebuild(archive, org, member, member_client, settings):
    budget = archive["budget"]
    reachable = settings.MILVUS_URI
    settings.MILVUS_URI = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.MILVUS_WRITE_ATTEMPTS = 3
    segment = budget.segments.get(position=2)
    segment.text = "사무실 이전은 6월로 결정했습니다."
    segment.save(update_fields=["text"])
    index_meeting(budget)  # the database has the edit; Milvus could not be told
    marked = OutOfDateIndex.objects.get(meeting_id=budget.pk)
    assert (marked.backend, marked.attempts, marked.organization_id) == ("milvus", 3, org.pk)
    assert marked.error

    page = member_client.get(f"/meetings/{budget.pk}/")
    assert page.status_code == 200
    assert "index-out-of-date" in page.content.decode()
    detail = member_client.get(f"/api/v1/meetings/{budget.pk}/").json()
    assert detail["search_index_out_of_date"] is True

    settings.MILVUS_URI = reachable
    assert search(member, "사무실을 이전", mode="lexical") == []  # stale, and said to be
    out, err = StringIO(), StringIO()
    call_command("rebuild_index", "--backend", "milvus", "--org", org.slug, stdout=out, stderr=err)
    assert "Indexed 2 meetings" in out.getvalue()
    assert not OutOfDateIndex.objects.exists()
    assert places(search(member, "사무실을 이전", mode="lexical"))[0] == (budget.pk, 2)
    assert "index-out-of-date" not in member_client.get(f"/meetings/{budget.pk}/").content.decode()


def test_rebuild_index_fills_milvus_with_meetings_indexed_before_the_switch(milvus_backend, org, member, settings):
    settings.SEARCH_BACKEND = "local"
    meeting = make_meeting(org, "예산 회의", [("김민수", "마케팅 예산은 2억 원으로 확정되었습니다.")])
    assert in_index(meeting) == {}
    call_command("rebuild_index", "--backend", "milvus", stdout=StringIO(), stderr=StringIO())
    assert in_index(meeting) == {meeting.pk: Passage.objects.filter(meeting=meeting).count()}
    settings.SEARCH_BACKEND = "milvus"
    assert places(search(member, "마케팅 예산"))[0] == (meeting.pk, 0)


def test_a_failed_removal_is_caught_up_by_a_rebuild(archive, member, settings):
    budget = archive["budget"]
    reachable = settings.MILVUS_URI
    settings.MILVUS_URI = f"http://127.0.0.1:{free_port()}"
    budget_id, budget_org = budget.pk, budget.organization_id
    remove_meeting(budget)
    budget.delete()
    assert OutOfDateIndex.objects.filter(meeting_id=budget_id, organization_id=budget_org).exists()
    settings.MILVUS_URI = reachable
    assert milvus.meeting_row_counts([budget_id])  # its rows are still in Milvus, and never shown
    assert budget_id not in {h.meeting_id for h in search(member, "마케팅 예산")}
    call_command("rebuild_index", "--backend", "milvus", stdout=StringIO(), stderr=StringIO())
    assert milvus.meeting_row_counts([budget_id]) == {}
    assert not OutOfDateIndex.objects.exists()


def test_a_search_milvus_cannot_answer_says_so_instead_of_no_results(archive, org, member, member_client, settings):
    reachable = settings.MILVUS_URI
    settings.MILVUS_URI = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.MILVUS_TIMEOUT = 2
    milvus.forget_connections()
    unavailable = "Search is unavailable right now: the search index did not answer."
    page = member_client.get("/search/", {"q": "마케팅 예산"}, headers={"Accept-Language": "en"})
    assert page.status_code == 503 and unavailable in page.content.decode()
    assert "No results." not in page.content.decode()
    api = member_client.get("/api/v1/search/", {"q": "마케팅 예산"}, headers={"Accept-Language": "en"})
    assert api.status_code == 503 and api.json()["code"] == "search_unavailable"
    with pytest.raises(CommandError, match="Search is unavailable"):
        call_command("search", "마케팅 예산", "--org", org.slug, "--json", stdout=StringIO())
    settings.MILVUS_URI = reachable  # for the fixture's clean-up
    milvus.forget_connections()
