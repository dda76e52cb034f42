"""/api/v1/: who sees what (owner, member, outsider on every route), meetings CRUD, filters,
validation of malformed payloads, and a query count that does not grow with the page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Membership, Role
from meetings import services
from meetings.models import Job, JobState, Meeting, MeetingStatus, Recording

SEOUL = timezone.get_fixed_timezone(9 * 60)


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def make_meeting(org, user, title="주간 회의", held_at=None, **kwargs):
    return services.create_meeting(
        org, user, title=title, held_at=held_at or timezone.now() - timedelta(days=1), **kwargs
    )


def add_recording_row(meeting, sha="a" * 64):
    """A recording's metadata as the seeded data has it (no file needed for listing)."""
    return Recording.objects.create(
        meeting=meeting, file=f"recordings/x/{sha[:8]}.wav", original_name="x.wav", size=10, duration=1.5, sha256=sha
    )


@pytest.fixture
def meeting(org, owner, member):
    return make_meeting(
        org, member, "예산 회의", description="2분기 예산", tags=["예산", "재무"], participants=[owner.pk]
    )


@pytest.fixture
def job(meeting):
    return Job.objects.create(meeting=meeting, state=JobState.FAILED, reason="boom")


# --- access: owner / member / outsider on every route --------------------------------------------


def detail_routes(meeting, job):
    return [
        ("get", f"/api/v1/meetings/{meeting.pk}/", None),
        ("put", f"/api/v1/meetings/{meeting.pk}/", {"title": "x"}),
        ("patch", f"/api/v1/meetings/{meeting.pk}/", {"title": "x"}),
        ("delete", f"/api/v1/meetings/{meeting.pk}/", None),
        ("get", f"/api/v1/meetings/{meeting.pk}/recording/", None),
        ("post", f"/api/v1/meetings/{meeting.pk}/recording/", None),
        ("get", f"/api/v1/meetings/{meeting.pk}/recording/file/", None),
        ("get", f"/api/v1/meetings/{meeting.pk}/jobs/", None),
        ("get", f"/api/v1/jobs/{job.pk}/", None),
        ("post", f"/api/v1/jobs/{job.pk}/retry/", None),
        ("get", f"/api/v1/organizations/{meeting.organization_id}/", None),
        ("get", f"/api/v1/organizations/{meeting.organization_id}/members/", None),
    ]


def test_outsider_gets_404_and_no_data_on_every_route(outsider, meeting, job):
    api = client_for(outsider)
    for method, url, data in detail_routes(meeting, job):
        response = getattr(api, method)(url, data, format="json" if method != "post" else None)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "예산" not in response.content.decode(), (method, url)
        assert "owner@example.com" not in response.content.decode(), (method, url)
    assert Meeting.objects.filter(pk=meeting.pk, title="예산 회의").exists()
    assert Job.objects.filter(meeting=meeting).count() == 1


def test_outsider_lists_only_their_own_organizations_data(outsider, other_org, meeting):
    own = make_meeting(other_org, outsider, "Other meeting")
    api = client_for(outsider)
    listed = api.get("/api/v1/meetings/").json()
    assert [item["id"] for item in listed["results"]] == [own.pk]
    assert api.get(f"/api/v1/meetings/?organization={meeting.organization_id}").status_code == 404
    orgs = api.get("/api/v1/organizations/").json()["results"]
    assert [o["id"] for o in orgs] == [other_org.pk]
    assert api.get("/api/v1/me/").json()["memberships"][0]["organization"]["id"] == other_org.pk


@pytest.mark.parametrize("who", ["owner", "member"])
def test_members_read_every_route(request, who, meeting, job):
    api = client_for(request.getfixturevalue(who))
    assert api.get("/api/v1/meetings/").json()["results"][0]["id"] == meeting.pk
    assert api.get(f"/api/v1/meetings/{meeting.pk}/").json()["title"] == "예산 회의"
    assert api.get(f"/api/v1/meetings/{meeting.pk}/jobs/").json()[0]["id"] == job.pk
    assert api.get(f"/api/v1/jobs/{job.pk}/").json()["reason"] == "boom"
    # No recording yet.
    assert api.get(f"/api/v1/meetings/{meeting.pk}/recording/").status_code == 404
    assert api.get(f"/api/v1/organizations/{meeting.organization_id}/").json()["role"] == who
    members = api.get(f"/api/v1/organizations/{meeting.organization_id}/members/").json()
    assert {m["user"]["email"] for m in members} == {"owner@example.com", "member@example.com"}


def test_anonymous_gets_401_everywhere(meeting, job):
    api = client_for(None)
    for method, url, data in detail_routes(meeting, job):
        assert getattr(api, method)(url, data, format="json").status_code == 401, (method, url)
    for url in ["/api/v1/meetings/", "/api/v1/organizations/", "/api/v1/me/"]:
        assert api.get(url).status_code == 401


@pytest.mark.parametrize(
    "url", ["/api/v1/meetings/abc/", "/api/v1/meetings/99999999999999999999999/", "/api/v1/jobs/1.5/"]
)
def test_ids_that_are_not_ids_are_404(member, url):
    assert client_for(member).get(url).status_code == 404


def test_session_login_works_too(member_client, meeting):
    assert member_client.get("/api/v1/meetings/").json()["count"] == 1


def test_me_lists_memberships_with_roles(member, other_org):
    Membership.objects.create(user=member, organization=other_org, role=Role.ADMIN)
    data = client_for(member).get("/api/v1/me/").json()
    assert data["email"] == "member@example.com"
    assert data["display_name"] == "박팀원"
    roles = {m["organization"]["name"]: (m["role"], m["is_admin"]) for m in data["memberships"]}
    assert roles == {"넥소 팀": ("member", False), "Other Corp": ("admin", True)}


# --- create -------------------------------------------------------------------------------------


def test_member_creates_a_meeting_in_their_only_organization(org, member, owner):
    payload = {
        "title": "킥오프",
        "held_at": "2026-03-02T10:00:00+09:00",
        "description": "첫 회의",
        "tags": ["기획", "기획", "신규"],
        "participants": [owner.pk, member.pk],
        "external_participants": "Kim, Lee",
    }
    response = client_for(member).post("/api/v1/meetings/", payload, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["organization"] == org.pk
    assert data["language"] == "ko"
    assert data["status"] == "new"
    assert sorted(data["tags"]) == ["기획", "신규"]
    assert sorted(data["participants"]) == sorted([owner.pk, member.pk])
    assert data["created_by"]["id"] == member.pk
    assert data["recording"] is None and data["latest_job"] is None
    meeting = Meeting.objects.get(pk=data["id"])
    assert meeting.held_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert meeting.created_by == member


def test_held_at_defaults_to_now(member):
    data = client_for(member).post("/api/v1/meetings/", {"title": "지금"}, format="json").json()
    held_at = datetime.fromisoformat(data["held_at"])
    assert abs((timezone.now() - held_at).total_seconds()) < 60


def test_organization_is_required_when_the_user_has_several(org, other_org, member):
    Membership.objects.create(user=member, organization=other_org)
    api = client_for(member)
    response = api.post("/api/v1/meetings/", {"title": "어디?"}, format="json")
    assert response.status_code == 400
    assert "organization" in response.json()
    response = api.post("/api/v1/meetings/", {"title": "여기", "organization": other_org.pk}, format="json")
    assert response.status_code == 201
    assert Meeting.objects.get(pk=response.json()["id"]).organization == other_org


def test_creating_in_someone_elses_organization_is_refused(other_org, member):
    response = client_for(member).post(
        "/api/v1/meetings/", {"title": "침입", "organization": other_org.pk}, format="json"
    )
    # Another organization's id is reported missing, as everywhere in the API.
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert "Other Corp" not in response.content.decode()
    assert not Meeting.objects.filter(title="침입").exists()
    nowhere = client_for(member).post("/api/v1/meetings/", {"title": "침입", "organization": 987654}, format="json")
    assert nowhere.status_code == 404 and nowhere.content == response.content  # the same as someone else's


def test_user_without_organization_cannot_create(db, make_user):
    loner = make_user("loner@example.com")
    response = client_for(loner).post("/api/v1/meetings/", {"title": "혼자"}, format="json")
    assert response.status_code == 400
    assert client_for(loner).get("/api/v1/meetings/").json()["count"] == 0


def test_participants_must_be_members_of_the_meeting_organization(org, member, outsider):
    response = client_for(member).post(
        "/api/v1/meetings/", {"title": "회의", "participants": [member.pk, outsider.pk, 987654]}, format="json"
    )
    # Ids that name nobody the member may see are missing (404), as everywhere in the API.
    assert response.status_code == 404 and response.json()["code"] == "not_member"
    message = response.json()["detail"]
    assert str(outsider.pk) in message and "987654" in message
    assert "outsider@other.com" not in response.content.decode()
    assert not Meeting.objects.filter(title="회의").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"title": ["a", "b"]}, "title"),
        ({"title": {"ko": "x"}}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "held_at": "yesterday"}, "held_at"),
        ({"title": "ok", "held_at": "2026-02-30T10:00:00"}, "held_at"),
        ({"title": "ok", "held_at": 12345}, "held_at"),
        ({"title": "ok", "held_at": "9999-12-31T23:59:59-12:00"}, "held_at"),
        ({"title": "ok", "held_at": "9999-12-31T23:59:59"}, "held_at"),
        ({"title": "ok", "held_at": "0001-01-01T00:00:00"}, "held_at"),
        ({"title": "ok", "held_at": "0001-01-01"}, "held_at"),
        ({"title": "ok", "language": "klingon"}, "language"),
        ({"title": "ok", "description": "가" * 50_001}, "description"),
        ({"title": "ok", "external_participants": "x" * 501}, "external_participants"),
        ({"title": "ok", "tags": "a,b"}, "tags"),
        ({"title": "ok", "tags": ["x" * 51]}, "tags"),
        ({"title": "ok", "tags": [""]}, "tags"),
        ({"title": "ok", "tags": [{"name": "a"}]}, "tags"),
        ({"title": "ok", "tags": [f"t{i}" for i in range(31)]}, "tags"),
        ({"title": "ok", "participants": ["me"]}, "participants"),
        ({"title": "ok", "participants": [0]}, "participants"),
        ({"title": "ok", "participants": [10**30]}, "participants"),
        ({"title": "ok", "participants": 5}, "participants"),
        ({"title": "ok", "organization": "abc"}, "organization"),
        ({"title": "ok", "organization": 10**30}, "organization"),
    ],
)
def test_malformed_meeting_payloads_get_400_with_field_errors(member, payload, field):
    response = client_for(member).post("/api/v1/meetings/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Meeting.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a list"]', "application/json"),
        ('"a string"', "application/json"),
        ("\x00\xff", "application/json"),
    ],
)
def test_broken_bodies_get_400(member, body, content_type):
    response = client_for(member).post("/api/v1/meetings/", body, content_type=content_type)
    assert response.status_code == 400
    assert Meeting.objects.count() == 0


def test_form_encoded_create_works_too(member):
    response = client_for(member).post("/api/v1/meetings/", {"title": "폼", "tags": ["가", "나"]})
    assert response.status_code == 201
    assert sorted(response.json()["tags"]) == ["가", "나"]


# --- update and delete --------------------------------------------------------------------------


def test_creator_patches_and_the_rest_is_kept(meeting, member, owner):
    response = client_for(member).patch(f"/api/v1/meetings/{meeting.pk}/", {"title": "새 제목"}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["title"] == "새 제목"
    assert data["description"] == "2분기 예산"
    assert sorted(data["tags"]) == ["예산", "재무"]
    assert data["participants"] == [owner.pk]


def test_put_replaces_tags_and_participants(meeting, member):
    payload = {"title": "전체 수정", "held_at": "2026-01-05", "tags": ["새"], "participants": [], "language": "en"}
    response = client_for(member).put(f"/api/v1/meetings/{meeting.pk}/", payload, format="json")
    assert response.status_code == 200, response.json()
    meeting.refresh_from_db()
    assert meeting.title == "전체 수정"
    assert meeting.language == "en"
    assert [t.name for t in meeting.tags.all()] == ["새"]
    assert meeting.participants.count() == 0


def test_put_validates_like_create(meeting, member, outsider):
    api = client_for(member)
    assert api.put(f"/api/v1/meetings/{meeting.pk}/", {"description": "no title"}, format="json").status_code == 400
    response = api.patch(f"/api/v1/meetings/{meeting.pk}/", {"participants": [outsider.pk]}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_member"
    response = api.patch(f"/api/v1/meetings/{meeting.pk}/", {"held_at": "not a date"}, format="json")
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.title == "예산 회의"


def test_meeting_cannot_move_to_another_organization(meeting, member, other_org):
    Membership.objects.create(user=member, organization=other_org)
    response = client_for(member).patch(
        f"/api/v1/meetings/{meeting.pk}/", {"organization": other_org.pk}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "organization_fixed"
    meeting.refresh_from_db()
    assert meeting.organization_id != other_org.pk


def test_sending_the_same_organization_back_is_fine(meeting, member):
    response = client_for(member).patch(
        f"/api/v1/meetings/{meeting.pk}/", {"organization": meeting.organization_id, "title": "t"}, format="json"
    )
    assert response.status_code == 200


def test_any_member_may_edit_but_only_creator_or_admin_may_delete(meeting, make_user, org):
    colleague = make_user("colleague@example.com", org, Role.MEMBER)
    api = client_for(colleague)
    assert api.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 200
    assert api.patch(f"/api/v1/meetings/{meeting.pk}/", {"title": "동료 수정"}, format="json").status_code == 200
    response = api.delete(f"/api/v1/meetings/{meeting.pk}/")
    assert response.status_code == 403
    assert response.json()["detail"]
    meeting.refresh_from_db()
    assert meeting.title == "동료 수정"


@pytest.mark.parametrize("who", ["owner", "admin_user"])
def test_org_owner_and_admin_may_change_and_delete(request, who, meeting):
    api = client_for(request.getfixturevalue(who))
    assert api.patch(f"/api/v1/meetings/{meeting.pk}/", {"title": "관리"}, format="json").status_code == 200
    assert api.delete(f"/api/v1/meetings/{meeting.pk}/").status_code == 204
    assert not Meeting.objects.filter(pk=meeting.pk).exists()


def test_creator_deletes(meeting, member, job):
    assert client_for(member).delete(f"/api/v1/meetings/{meeting.pk}/").status_code == 204
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    assert not Job.objects.filter(pk=job.pk).exists()
    assert client_for(member).get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404


# --- list: filters, ordering, pagination, query count -------------------------------------------


@pytest.fixture
def several(org, member, owner):
    base = datetime(2026, 3, 10, 10, 0, tzinfo=SEOUL)
    return {
        "old": make_meeting(org, member, "예산 검토", held_at=base - timedelta(days=30), tags=["재무"]),
        "mid": make_meeting(org, owner, "채용 회의", held_at=base, description="신규 예산 포함", tags=["인사"]),
        "new": make_meeting(org, member, "Weekly sync", held_at=base + timedelta(days=5), tags=["재무", "주간"]),
    }


def listed_titles(api, query=""):
    response = api.get(f"/api/v1/meetings/{query}")
    assert response.status_code == 200, response.json()
    return [item["title"] for item in response.json()["results"]]


def test_list_is_newest_first(several, member):
    assert listed_titles(client_for(member)) == ["Weekly sync", "채용 회의", "예산 검토"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=예산", ["채용 회의", "예산 검토"]),
        ("?q=weekly", ["Weekly sync"]),
        ("?tag=재무", ["Weekly sync", "예산 검토"]),
        ("?tag=없음", []),
        ("?status=new", ["Weekly sync", "채용 회의", "예산 검토"]),
        ("?status=ready", []),
        ("?held_after=2026-03-10", ["Weekly sync", "채용 회의"]),
        ("?held_before=2026-03-10", ["채용 회의", "예산 검토"]),
        ("?held_before=2026-03-09", ["예산 검토"]),
        ("?held_after=2026-03-10T10:00:01%2B09:00", ["Weekly sync"]),
        ("?held_after=2026-02-01&held_before=2026-03-31&tag=재무&q=sync", ["Weekly sync"]),
    ],
)
def test_list_filters(several, member, query, expected):
    assert listed_titles(client_for(member), query) == expected


def test_list_filter_by_organization(several, member, org, other_org):
    Membership.objects.create(user=member, organization=other_org)
    make_meeting(other_org, member, "다른 조직 회의")
    api = client_for(member)
    assert len(listed_titles(api)) == 4
    assert listed_titles(api, f"?organization={other_org.pk}") == ["다른 조직 회의"]
    assert len(listed_titles(api, f"?organization={org.pk}")) == 3


@pytest.mark.parametrize(
    "query",
    [
        "?held_after=yesterday",
        "?held_before=2026-13-01",
        "?held_before=9999-12-31",
        "?held_after=0001-01-01",
        "?held_after=0001-01-01T00:00:00",
        "?status=bogus",
        "?organization=abc",
        "?organization=99999999999999999999999",
        "?q=" + "x" * 201,
    ],
)
def test_bad_filters_get_400(several, member, query):
    response = client_for(member).get(f"/api/v1/meetings/{query}")
    assert response.status_code == 400
    assert response.json()


def test_pagination(org, member):
    for i in range(30):
        make_meeting(org, member, f"회의 {i:02d}", held_at=timezone.now() - timedelta(hours=i))
    api = client_for(member)
    first = api.get("/api/v1/meetings/").json()
    assert first["count"] == 30
    assert len(first["results"]) == 25
    assert first["next"]
    second = api.get(first["next"]).json()
    assert [m["title"] for m in second["results"]] == [f"회의 {i:02d}" for i in range(25, 30)]
    assert len(api.get("/api/v1/meetings/?page_size=500").json()["results"]) == 30
    assert api.get("/api/v1/meetings/?page=99").status_code == 404


def test_list_query_count_does_not_grow_with_the_page(org, member, owner, django_assert_max_num_queries):
    def seed(count, start):
        for i in range(start, start + count):
            m = make_meeting(org, member, f"m{i}", tags=[f"t{i % 3}", "공통"], participants=[owner.pk, member.pk])
            add_recording_row(m, sha=f"{i:064d}")
            Meeting.objects.filter(pk=m.pk).update(status=MeetingStatus.READY)

    api = client_for(member)
    seed(3, 0)
    with django_assert_max_num_queries(8) as small:
        api.get("/api/v1/meetings/")
    seed(22, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = api.get("/api/v1/meetings/").json()
    assert data["count"] == 25
    first = data["results"][0]
    assert first["recording"]["duration"] == 1.5
    assert sorted(first["participants"]) == sorted([owner.pk, member.pk])
    assert "공통" in first["tags"]


# --- jobs ---------------------------------------------------------------------------------------


def test_retry_of_a_running_job_is_409(job, member):
    add_recording_row(job.meeting)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    response = client_for(member).post(f"/api/v1/jobs/{job.pk}/retry/")
    assert response.status_code == 409
    assert response.json()["code"] == "running"
    assert Job.objects.filter(meeting=job.meeting).count() == 1


def test_retry_without_a_recording_is_409(job, member):
    response = client_for(member).post(f"/api/v1/jobs/{job.pk}/retry/")
    assert response.status_code == 409
    assert response.json()["code"] == "no_recording"
    assert Job.objects.filter(meeting=job.meeting).count() == 1


def test_any_member_retries_a_failed_job(job, make_user, org):
    add_recording_row(job.meeting)
    colleague = make_user("colleague@example.com", org, Role.MEMBER)
    api = client_for(colleague)
    response = api.post(f"/api/v1/jobs/{job.pk}/retry/")
    assert response.status_code == 202
    data = response.json()
    assert data["id"] != job.pk
    assert data["state"] == "queued"
    assert data["kind"] == job.kind
    listed = api.get(f"/api/v1/meetings/{job.meeting_id}/jobs/").json()
    assert [j["id"] for j in listed] == [data["id"], job.pk]
    assert api.get(f"/api/v1/meetings/{job.meeting_id}/").json()["status"] == "queued"
