"""The search page and the search API: Korean queries with particles, filters, highlighted and escaped
snippets linking to the moment, organization and per-meeting scoping, edits and deletions followed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, Segment
from meetings.search.indexing import index_meeting
from tests.support.search_archive import BUDGET, LAUNCH, SECURITY, make_meeting

SEARCH = "/search/"
API = "/api/v1/search/"


@pytest.fixture
def archive(org, other_org, member):
    budget = make_meeting(org, "예산 회의", BUDGET)
    budget.participants.add(member)
    index_meeting(budget)
    return {
        "budget": budget,
        "launch": make_meeting(
            org, "제품 출시 회의", LAUNCH, held_at=timezone.make_aware(dt.datetime(2024, 3, 1, 14, 0)), tags=["출시"]
        ),
        "security": make_meeting(other_org, "보안 사고 대응", SECURITY),
    }


def page(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response.content.decode()


def api(client, **params):
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_search_page_finds_a_korean_query_with_other_particles(archive, member_client):
    html = page(member_client, q="마케팅 예산을")
    budget = archive["budget"]
    assert f'href="/meetings/{budget.pk}/?t=5"' in html  # the second segment starts at 5 s
    assert "<mark>예산</mark>" in html and "<mark>마케팅</mark>" in html
    assert "이지은" in html and "0:00:05" in html


def test_search_page_shows_nothing_from_another_organization(archive, member_client, outsider_client):
    security = f"/meetings/{archive['security'].pk}/"
    html = page(member_client, q="서버 비밀번호 유출")
    assert security not in html and "11월 3일" not in html
    html = page(member_client, q="보안 사고 대응")
    assert security not in html and "보안 사고 대응</a>" not in html
    assert f"/meetings/{archive['security'].pk}/" in page(outsider_client, q="비밀번호 유출")


def test_search_page_filters(archive, member_client, member):
    budget, launch = archive["budget"], archive["launch"]
    html = page(member_client, q="회의", date_from="2024-02-01")
    assert f"/meetings/{launch.pk}/" in html and f"/meetings/{budget.pk}/" not in html
    html = page(member_client, q="회의", date_to="2024-01-31")
    assert f"/meetings/{budget.pk}/" in html and f"/meetings/{launch.pk}/" not in html
    html = page(member_client, q="출시", tag="출시")
    assert f"/meetings/{launch.pk}/" in html and f"/meetings/{budget.pk}/" not in html
    html = page(member_client, q="출시", meeting=budget.pk)
    assert f'<option value="{budget.pk}" selected>' in html  # the filter shows what was chosen
    assert f"/meetings/{launch.pk}/" not in html
    html = page(member_client, q="계획", participant=member.pk)
    assert f"/meetings/{budget.pk}/" in html and f"/meetings/{launch.pk}/" not in html
    html = page(member_client, q="참가자", speaker="한소희")
    assert f"/meetings/{launch.pk}/" in html and f"/meetings/{budget.pk}/" not in html
    html = page(member_client, q="예산", date_from="2024-05-01", date_to="2024-01-01")
    assert "The start date is after the end date." in html


def test_search_page_htmx_returns_the_results_partial(archive, member_client):
    response = member_client.get(SEARCH, {"q": "출시일"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<form" not in html and "search-result" in html


def test_no_results_and_an_escaped_snippet(org, member_client):
    make_meeting(org, "주간 회의", [("김민수", "<script>alert(1)</script> 예산 보고서를 제출했습니다.")])
    html = page(member_client, q="예산 보고서")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<mark>보고서</mark>" in html
    html = page(member_client, q="예산", date_from="2030-01-01")
    assert "No results." in html and "Only meetings from 2030-01-01 on." in html


def test_titles_are_searchable(archive, member_client):
    html = page(member_client, q="제품 출시 회의")
    assert f"/meetings/{archive['launch'].pk}/?t=0" in html


def test_search_follows_an_edit_and_a_deletion(archive, member_client):
    launch = archive["launch"]
    Segment.objects.filter(meeting=launch, position=2).update(text="사무실 이전은 6월로 결정했습니다.")
    index_meeting(launch)
    assert f'href="/meetings/{launch.pk}/?t=10"' in page(member_client, q="사무실을 이전")
    member_client.get(reverse("meetings:detail", args=[launch.pk]))
    Meeting.objects.get(pk=launch.pk).delete()
    html = page(member_client, q="사무실 이전")
    assert f"/meetings/{launch.pk}/" not in html
    assert all(row["meeting"] != launch.pk for row in api(member_client, q="출시일"))


def test_selected_members_meeting_stays_out(archive, member_client, owner_client):
    launch = archive["launch"]
    Meeting.objects.filter(pk=launch.pk).update(visibility="selected")
    assert f"/meetings/{launch.pk}/" not in page(member_client, q="신제품 출시일")
    assert f"/meetings/{launch.pk}/" in page(owner_client, q="신제품 출시일")


def test_search_api(archive, member_client, outsider_client, member):
    rows = api(member_client, q="마케팅 비용은 얼마로 정해졌나요?")
    assert (rows[0]["meeting"], rows[0]["position"], rows[0]["start"]) == (archive["budget"].pk, 1, 5.0)
    assert rows[0]["url"] == f"/meetings/{archive['budget'].pk}/?t=5"
    assert rows[0]["speaker"] == "이지은" and rows[0]["highlights"]
    assert {r["meeting"] for r in api(member_client, q="출시", tag="출시")} == {archive["launch"].pk}
    assert {r["meeting"] for r in api(member_client, q="예산", date_to="2024-01-31")} == {archive["budget"].pk}
    assert archive["security"].pk not in {r["meeting"] for r in api(member_client, q="비밀번호 유출")}
    assert member_client.get(API, {"q": "예산", "organization": archive["security"].organization_id}).status_code == 404
    assert {r["meeting"] for r in api(outsider_client, q="비밀번호 유출")} == {archive["security"].pk}
    assert member_client.get(API).status_code == 400


def test_search_api_needs_authentication(archive, client):
    assert client.get(API, {"q": "예산"}).status_code in (401, 403)
