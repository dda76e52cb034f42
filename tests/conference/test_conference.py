"""Conference management: meeting visibility through every page and the API, scheduling with
agenda, attendees and series (pages and API), carry-over of open action items, speaker↔attendee
suggestions, the action-item tracker, the decision log, the dashboard and time zones."""

import datetime
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from meetings.conference.attendees import Guest, set_attendees
from meetings.conference.calendars import local_today
from meetings.conference.items import carried_action_items
from meetings.conference.preferences import set_timezone
from meetings.conference.scheduling import create_series, schedule_meeting, set_agenda, update_schedule
from meetings.conference.sharing import set_visibility
from meetings.conference.speakers import suggest_speakers
from meetings.models import (
    ActionItem,
    AgendaItem,
    Attendee,
    Decision,
    Job,
    Meeting,
    Segment,
    Series,
    Speaker,
)
from tests.support import factories

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def at(*args):
    return datetime.datetime(*args, tzinfo=SEOUL)


@pytest.fixture
def other_member(org, make_user):
    return make_user("other@example.com", org, Role.MEMBER, "최다른")


@pytest.fixture
def meeting(org, owner):
    return Meeting.objects.create(
        organization=org, title="주간 회의", held_at=at(2026, 11, 25, 10, 0), created_by=owner
    )


@pytest.fixture
def restricted(org, owner, member):
    meeting = Meeting.objects.create(
        organization=org, title="인사 비밀 회의", held_at=at(2026, 11, 26, 15, 0), created_by=owner
    )
    set_visibility(meeting, "selected", [member.pk])
    Speaker.objects.create(meeting=meeting, label="S1", name="김대표")
    Segment.objects.create(meeting=meeting, position=0, start=0, end=2, text="비밀 안건", original_text="비밀 안건")
    Decision.objects.create(meeting=meeting, text="연봉 동결 결정", position=0)
    ActionItem.objects.create(meeting=meeting, text="비밀 보고서 작성", position=0)
    Job.objects.create(meeting=meeting, kind="process")
    return meeting


# --- visibility ------------------------------------------------------------------------------


def test_withheld_meetings_follow_the_same_rule_as_meetings_for(
    org, other_org, restricted, meeting, owner, admin_user, member, other_member, outsider
):
    from meetings.access import meetings_for, withheld_meeting_ids

    created_by_member = Meeting.objects.create(
        organization=org, title="팀원 비공개", held_at=at(2026, 11, 27, 9, 0), created_by=member
    )
    set_visibility(created_by_member, "selected", [])
    for user in (owner, admin_user, member, other_member, outsider):
        organizations = list(user.memberships.values_list("organization_id", flat=True))  # as search asks
        expected = sorted(
            Meeting.objects.filter(organization_id__in=organizations)
            .exclude(pk__in=meetings_for(user).values("pk"))
            .values_list("pk", flat=True)
        )
        assert withheld_meeting_ids(user, organizations) == expected, user
    assert withheld_meeting_ids(other_member, [org.pk]) == sorted([restricted.pk, created_by_member.pk])
    assert withheld_meeting_ids(member, [org.pk]) == []  # selected for one, creator of the other
    assert withheld_meeting_ids(admin_user, [org.pk]) == []


def test_restricted_meeting_is_invisible_to_a_member_not_selected(restricted, other_member):
    client, api = client_for(other_member), api_client(other_member)
    assert "인사 비밀 회의" not in client.get("/meetings/").content.decode()
    for path in (
        f"/meetings/{restricted.pk}/",
        f"/meetings/{restricted.pk}/edit/",
        f"/meetings/{restricted.pk}/transcript/",
        f"/meetings/{restricted.pk}/minutes/",
        f"/meetings/{restricted.pk}/schedule/",
        f"/meetings/{restricted.pk}/meeting.ics",
        f"/meetings/{restricted.pk}/speakers/",
        f"/meetings/{restricted.pk}/audio/",
    ):
        assert client.get(path).status_code == 404, path
    assert api.get(f"/api/v1/meetings/{restricted.pk}/").status_code == 404
    assert api.get(f"/api/v1/meetings/{restricted.pk}/transcript/").status_code == 404
    assert api.get(f"/api/v1/meetings/{restricted.pk}/schedule/").status_code == 404
    assert api.get(f"/api/v1/jobs/{restricted.jobs.first().pk}/").status_code == 404
    assert restricted.pk not in [m["id"] for m in api.get("/api/v1/meetings/").json()["results"]]
    assert api.get("/api/v1/action-items/").json()["count"] == 0
    assert api.get("/api/v1/decisions/").json()["count"] == 0
    assert "연봉 동결" not in client.get("/decisions/").content.decode()
    assert "비밀 보고서" not in client.get("/action-items/").content.decode()
    assert "인사 비밀 회의" not in client.get("/calendar/?month=2026-11").content.decode()


@pytest.mark.parametrize("who", ["member", "owner", "admin_user"])
def test_restricted_meeting_is_visible_to_selected_members_admins_and_owner(restricted, who, request):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(f"/meetings/{restricted.pk}/").status_code == 200
    assert client.get(f"/meetings/{restricted.pk}/transcript/").status_code == 200
    assert api_client(user).get(f"/api/v1/meetings/{restricted.pk}/").status_code == 200
    assert "인사 비밀 회의" in client.get("/meetings/").content.decode()


def test_outsider_sees_nothing(meeting, outsider_client, outsider):
    assert outsider_client.get(f"/meetings/{meeting.pk}/schedule/").status_code == 404
    assert outsider_client.get(f"/meetings/{meeting.pk}/meeting.ics").status_code == 404
    assert outsider_client.get(f"/meetings/{meeting.pk}/sharing/").status_code == 404
    assert outsider_client.post(f"/meetings/{meeting.pk}/recap/").status_code == 404
    assert api_client(outsider).get(f"/api/v1/meetings/{meeting.pk}/schedule/").status_code == 404


def test_only_creator_or_admin_changes_visibility(meeting, member, admin_user, other_member):
    assert client_for(member).get(f"/meetings/{meeting.pk}/sharing/").status_code == 403
    body = {"visibility": "selected", "allowed_members": [other_member.pk]}
    assert api_client(member).put(f"/api/v1/meetings/{meeting.pk}/sharing/", body, format="json").status_code == 403
    response = api_client(admin_user).put(f"/api/v1/meetings/{meeting.pk}/sharing/", body, format="json")
    assert response.status_code == 200 and response.json() == body
    assert client_for(member).get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client_for(other_member).get(f"/meetings/{meeting.pk}/").status_code == 200
    response = client_for(admin_user).post(
        f"/meetings/{meeting.pk}/sharing/", {"action": "visibility", "visibility": "organization"}
    )
    assert response.status_code == 302
    assert client_for(member).get(f"/meetings/{meeting.pk}/").status_code == 200


def test_visibility_refuses_members_of_another_organization(meeting, owner, outsider):
    body = {"visibility": "selected", "allowed_members": [outsider.pk]}
    response = api_client(owner).put(f"/api/v1/meetings/{meeting.pk}/sharing/", body, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_member"


# --- scheduling ------------------------------------------------------------------------------


def test_schedule_page_creates_meeting_with_agenda_attendees_and_guests(member_client, org, member, owner):
    response = member_client.post(
        "/schedule/",
        {
            "title": "분기 계획",
            "held_at": "2026-12-01T14:00",
            "duration_minutes": 90,
            "location": "3층 회의실",
            "video_link": "https://meet.example.com/abc",
            "language": "ko",
            "agenda": "지난 분기 리뷰\n다음 분기 목표\n",
            "members": [member.pk, owner.pk],
            "guests": "Jane Doe <jane@partner.com>\nbob@partner.com",
            "new_series": "분기 회의",
            "recurrence": "monthly",
            "occurrences": 3,
        },
    )
    assert response.status_code == 302
    meetings = list(Meeting.objects.filter(organization=org).order_by("held_at"))
    assert [timezone.localtime(m.held_at, SEOUL).strftime("%m-%d %H:%M") for m in meetings] == [
        "12-01 14:00",
        "01-01 14:00",
        "02-01 14:00",
    ]
    first = meetings[0]
    assert response["Location"] == f"/meetings/{first.pk}/"
    assert first.duration_minutes == 90 and first.location == "3층 회의실" and first.series.name == "분기 회의"
    assert list(first.agenda_items.values_list("title", flat=True)) == ["지난 분기 리뷰", "다음 분기 목표"]
    assert {a.address for a in first.attendees.all()} == {
        "member@example.com",
        "owner@example.com",
        "jane@partner.com",
        "bob@partner.com",
    }
    assert Attendee.objects.get(meeting=first, email="jane@partner.com").name == "Jane Doe"
    assert set(first.participants.all()) == {member, owner}
    page = member_client.get(f"/meetings/{first.pk}/").content.decode()
    assert "지난 분기 리뷰" in page and "3층 회의실" in page and "Jane Doe" in page and "14:00–15:30" in page


def test_schedule_page_rejects_bad_guest_email(member_client):
    response = member_client.post(
        "/schedule/",
        {
            "title": "x",
            "held_at": "2026-12-01T14:00",
            "duration_minutes": 30,
            "language": "ko",
            "guests": "Bob <bob@@example>",  # a name alone is a guest; what has an @ must be an address
        },
    )
    assert response.status_code == 200 and "Not an email address" in response.content.decode()
    assert not Meeting.objects.exists()


def test_schedule_api_create_and_patch(org, member, owner):
    api = api_client(member)
    series = api.post("/api/v1/series/", {"name": "주간 스탠드업", "recurrence": "weekly"}, format="json").json()
    response = api.post(
        "/api/v1/meetings/schedule/",
        {
            "title": "스탠드업",
            "held_at": "2026-12-07T09:30:00+09:00",
            "duration_minutes": 15,
            "series": series["id"],
            "occurrences": 2,
            "agenda": [{"title": "어제 한 일"}, {"title": "오늘 할 일", "notes": "짧게"}],
            "attendees": [{"user": owner.pk}, {"email": "Guest@Partner.com", "name": "게스트"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [m["held_at"] for m in body] == ["2026-12-07T09:30:00+09:00", "2026-12-14T09:30:00+09:00"]
    first = body[0]
    assert [a["title"] for a in first["agenda"]] == ["어제 한 일", "오늘 할 일"]
    assert {a["display_name"] for a in first["attendees"]} == {"김대표", "게스트"}
    assert first["ics_url"] == f"/meetings/{first['id']}/meeting.ics"

    response = api.patch(
        f"/api/v1/meetings/{first['id']}/schedule/",
        {"location": "판교", "attendees": [{"user": member.pk}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["location"] == "판교" and response.json()["duration_minutes"] == 15
    assert [a["user"] for a in response.json()["attendees"]] == [member.pk]
    assert len(response.json()["agenda"]) == 2  # not sent: kept

    bad = api.patch(f"/api/v1/meetings/{first['id']}/schedule/", {"attendees": [{"user": 999999}]}, format="json")
    assert bad.status_code == 404 and bad.json()["code"] == "not_member"


def test_series_of_another_organization_is_refused(org, other_org, owner, outsider):
    theirs = Series.objects.create(organization=other_org, name="theirs")
    response = api_client(owner).post(
        "/api/v1/meetings/schedule/",
        {"title": "x", "held_at": "2026-12-07T09:30:00+09:00", "series": theirs.pk},
        format="json",
    )
    assert response.status_code == 404 and response.json()["code"] == "unknown_series"


# --- series carry-over -----------------------------------------------------------------------


def test_open_action_items_carry_into_the_next_meeting_of_the_series(org, owner, member):
    series = create_series(org, owner, name="주간 회의", recurrence="weekly")
    first, second = schedule_meeting(
        org,
        owner,
        title="주간 회의",
        held_at=at(2026, 11, 2, 10, 0),
        series=series,
        occurrences=2,
        agenda=["진행 상황"],
    )
    ActionItem.objects.create(meeting=first, text="견적서 보내기", assignee=member, position=0)
    ActionItem.objects.create(meeting=first, text="이미 끝난 일", status="done", position=1)
    ActionItem.objects.create(meeting=first, text="진행 중인 일", status="in_progress", position=2)
    carried = [i.text for i in carried_action_items(second, member)]
    assert carried == ["견적서 보내기", "진행 중인 일"]
    assert list(carried_action_items(first, member)) == []

    page = client_for(member).get(f"/meetings/{second.pk}/").content.decode()
    assert "Open action items from earlier meetings" in page and "견적서 보내기" in page
    carried_on_agenda = page.split('class="carried"', 1)[1].split("</ul>", 1)[0]
    assert "견적서 보내기" in carried_on_agenda and "이미 끝난 일" not in carried_on_agenda
    # The done one is in "since last time", marked done: what became of the last meeting's items.
    assert '<li data-state="done"><span class="badge done">Done</span>\n      이미 끝난 일' in page
    api = api_client(member).get(f"/api/v1/meetings/{second.pk}/schedule/").json()
    assert [i["text"] for i in api["carried_action_items"]] == ["견적서 보내기", "진행 중인 일"]

    ActionItem.objects.filter(text="견적서 보내기").update(status="done")
    assert [i.text for i in carried_action_items(second, member)] == ["진행 중인 일"]


def test_carried_items_skip_meetings_the_viewer_cannot_see(org, owner, member):
    series = create_series(org, owner, name="임원 회의")
    first, second = schedule_meeting(
        org, owner, title="임원 회의", held_at=at(2026, 11, 2, 10, 0), series=series, occurrences=2
    )
    set_visibility(first, "selected", [])
    ActionItem.objects.create(meeting=first, text="비공개 항목", position=0)
    assert list(carried_action_items(second, member)) == []
    assert [i.text for i in carried_action_items(second, owner)] == ["비공개 항목"]


# --- speakers ↔ attendees --------------------------------------------------------------------


@pytest.fixture
def processed(org, owner, member):
    meeting = factories.meeting(org, "리뷰", creator=owner, held_at=at(2026, 11, 20, 10))
    set_attendees(meeting, [owner.pk, member.pk], [Guest("jane@partner.com", "Jane Kim")])
    lines = [
        ("S1", "안녕하세요, 저는 김대표입니다. 시작하겠습니다."),
        ("S1", "팀원 씨, 진행 상황 말씀해 주세요."),
        ("S2", "네, 결제 모듈 테스트가 남았습니다."),
        ("S3", "Hi, this is Jane from the partner team."),
    ]
    speakers = factories.transcript(meeting, lines, every=5.0, length=4.0, names=False)
    ActionItem.objects.create(meeting=meeting, text="테스트 마무리", owner_name="박팀원", position=0)
    Decision.objects.create(meeting=meeting, text="출시 연기", speaker=speakers["S1"], position=0)
    return meeting


def test_speaker_suggestions_from_introductions_and_mentions(processed, owner, member):
    attendees = {a.address: a.pk for a in processed.attendees.all()}
    speakers = {s.label: s.pk for s in processed.speakers.all()}
    suggestion = suggest_speakers(processed)
    assert suggestion[speakers["S1"]] == attendees["owner@example.com"]  # "저는 김대표입니다"
    assert suggestion[speakers["S2"]] == attendees["member@example.com"]  # answered "팀원 씨"
    assert suggestion[speakers["S3"]] == attendees["jane@partner.com"]  # "this is Jane"


def test_confirm_speakers_page_maps_members_and_guests(processed, member_client, owner, member):
    attendees = {a.address: a.pk for a in processed.attendees.all()}
    speakers = {s.label: s for s in processed.speakers.all()}
    page = member_client.get(f"/meetings/{processed.pk}/speakers/").content.decode()
    assert "suggested" in page and "Jane Kim" in page
    response = member_client.post(
        f"/meetings/{processed.pk}/speakers/",
        {
            f"speaker-{speakers['S1'].pk}": attendees["owner@example.com"],
            f"speaker-{speakers['S2'].pk}": attendees["member@example.com"],
            f"speaker-{speakers['S3'].pk}": attendees["jane@partner.com"],
        },
    )
    assert response.status_code == 302
    s1, s2, s3 = (Speaker.objects.get(pk=speakers[label].pk) for label in ("S1", "S2", "S3"))
    assert s1.member == owner and s2.member == member and s3.name == "Jane Kim"
    assert Attendee.objects.get(pk=attendees["jane@partner.com"]).speaker == s3
    assert Decision.objects.get(meeting=processed).member == owner
    assert ActionItem.objects.get(meeting=processed).assignee == member  # owner_name 박팀원 → member


def test_speaker_confirmation_api_refuses_one_attendee_for_two_speakers(processed, member):
    attendee = processed.attendees.first().pk
    s1, s2 = processed.speakers.all()[:2]
    api = api_client(member)
    assert api.get(f"/api/v1/meetings/{processed.pk}/speakers/").json()["suggestions"]
    response = api.post(
        f"/api/v1/meetings/{processed.pk}/speakers/",
        {"matches": [{"speaker": s1.pk, "attendee": attendee}, {"speaker": s2.pk, "attendee": attendee}]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "duplicate"


# --- action items ----------------------------------------------------------------------------


@pytest.fixture
def items(org, owner, member, meeting):
    series = Series.objects.create(organization=org, name="주간")
    meeting.series = series
    meeting.save()
    today = local_today(member)
    return {
        "overdue": ActionItem.objects.create(
            meeting=meeting, text="지난 마감", assignee=member, due_date=today - datetime.timedelta(days=2), position=0
        ),
        "soon": ActionItem.objects.create(
            meeting=meeting, text="곧 마감", assignee=member, due_date=today + datetime.timedelta(days=3), position=1
        ),
        "owners": ActionItem.objects.create(meeting=meeting, text="대표 일", assignee=owner, position=2),
        "done": ActionItem.objects.create(meeting=meeting, text="끝난 일", assignee=member, status="done", position=3),
        "series": series,
    }


def test_action_item_filters(items, member):
    api = api_client(member)

    def texts(**params):
        return [i["text"] for i in api.get("/api/v1/action-items/", params).json()["results"]]

    assert texts(assignee="me", status="active") == ["지난 마감", "곧 마감"]
    assert texts(due="overdue") == ["지난 마감"]
    assert texts(due="week") == ["곧 마감"]
    assert texts(status="done") == ["끝난 일"]
    assert texts(series=items["series"].pk, assignee=str(items["owners"].assignee_id)) == ["대표 일"]
    assert texts(q="대표") == ["대표 일"]
    overdue = api.get("/api/v1/action-items/", {"due": "overdue"}).json()["results"][0]
    assert overdue["overdue"] is True and overdue["meeting"]["title"] == "주간 회의"


def test_my_action_items_page_highlights_overdue(items, member_client):
    page = member_client.get("/action-items/?assignee=me&status=active").content.decode()
    assert page.count('class="action-row overdue"') == 1 and "Overdue" in page
    assert "지난 마감" in page and "대표 일" not in page and "끝난 일" not in page


def test_status_change_permissions(items, member, other_member, admin_user):
    mine, owners = items["soon"], items["owners"]
    response = client_for(member).post(f"/action-items/{mine.pk}/status/", {"status": "done"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and f'id="item-{mine.pk}"' in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == "done"
    # Another member is neither the assignee, nor the meeting's creator, nor an admin.
    assert client_for(other_member).post(f"/action-items/{owners.pk}/status/", {"status": "done"}).status_code == 403
    assert api_client(other_member).patch(f"/api/v1/action-items/{owners.pk}/", {"status": "done"}).status_code == 403
    response = api_client(admin_user).patch(f"/api/v1/action-items/{owners.pk}/", {"status": "in_progress"})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    bad = api_client(admin_user).patch(f"/api/v1/action-items/{owners.pk}/", {"status": "nope"})
    assert bad.status_code == 400


def test_outsider_cannot_touch_action_items(items, outsider):
    item = items["soon"]
    assert client_for(outsider).post(f"/action-items/{item.pk}/status/", {"status": "done"}).status_code == 404
    assert api_client(outsider).get(f"/api/v1/action-items/{item.pk}/").status_code == 404


# --- decisions -------------------------------------------------------------------------------


@pytest.fixture
def decisions(org, owner):
    first = Meeting.objects.create(organization=org, title="1월 회의", held_at=at(2026, 1, 5, 10), created_by=owner)
    second = Meeting.objects.create(organization=org, title="2월 회의", held_at=at(2026, 2, 5, 10), created_by=owner)
    old = Decision.objects.create(meeting=first, text="출시는 3월", speaker_name="김대표", start=125.4, position=0)
    new = Decision.objects.create(meeting=second, text="출시는 4월로 연기", speaker_name="박팀원", position=0)
    return old, new


def test_decision_log_links_to_the_moment_and_searches(decisions, member_client):
    old, new = decisions
    page = member_client.get("/decisions/").content.decode()
    assert f'href="/meetings/{old.meeting_id}/?t=125"' in page and "김대표" in page
    page = member_client.get("/decisions/?q=연기").content.decode()
    assert "출시는 4월로 연기" in page and "출시는 3월" not in page
    assert member_client.get("/decisions/?q=박팀원", HTTP_HX_REQUEST="true").content.decode().count("<blockquote>") == 1


def test_supersede_permissions_and_rules(decisions, member, owner):
    old, new = decisions
    url = f"/api/v1/decisions/{old.pk}/supersede/"
    assert api_client(member).post(url, {"superseded_by": new.pk}, format="json").status_code == 403
    response = api_client(owner).post(url, {"superseded_by": new.pk}, format="json")
    assert response.status_code == 200 and response.json()["superseded_by"] == new.pk
    backwards = api_client(owner).post(
        f"/api/v1/decisions/{new.pk}/supersede/", {"superseded_by": old.pk}, format="json"
    )
    assert backwards.status_code == 400 and backwards.json()["code"] == "not_later"
    current = api_client(member).get("/api/v1/decisions/", {"current": "true"}).json()["results"]
    assert [d["text"] for d in current] == ["출시는 4월로 연기"]
    page = client_for(member).get("/decisions/").content.decode()
    assert "Superseded" in page
    client_for(owner).post(f"/decisions/{old.pk}/supersede/", {"superseded_by": ""})
    old.refresh_from_db()
    assert old.superseded_by is None


def test_decision_log_shows_no_internal_ids_and_offers_later_decisions_by_their_words(decisions, owner):
    old, new = decisions
    page = client_for(owner).get("/decisions/").content.decode()
    assert f"#{old.pk}" not in page.replace(f'href="#decision-{old.pk}"', "") and f"#{new.pk} " not in page
    form = page.split(f'action="/decisions/{old.pk}/supersede/"')[1].split("</form>")[0]
    assert 'type="number"' not in form
    assert f'<option value="{new.pk}">' in form and "출시는 4월로 연기" in form  # later: offered
    earlier = page.split(f'action="/decisions/{new.pk}/supersede/"')[1].split("</form>")[0]
    assert f'<option value="{old.pk}"' not in earlier  # an earlier decision cannot replace a later one
    client_for(owner).post(f"/decisions/{old.pk}/supersede/", {"superseded_by": new.pk})
    page = client_for(owner).get("/decisions/").content.decode()
    note = page.split('class="superseded-note"')[1].split("</p>")[0]
    assert "출시는 4월로 연기" in note and f"#{new.pk}<" not in note


def test_a_new_schedule_does_not_repeat_by_default(member_client):
    page = member_client.get("/schedule/").content.decode()
    repeats = page.split('name="recurrence"')[1].split("</select>")[0]
    assert '<option value="none" selected>' in repeats and '<option value="weekly" selected>' not in repeats
    assert 'name="occurrences" value="1"' in page


# --- dashboard and time zones ----------------------------------------------------------------


def test_home_is_the_dashboard(org, owner, member, items, django_capture_on_commit_callbacks):
    upcoming = Meeting.objects.create(
        organization=org, title="다가오는 회의", held_at=timezone.now() + datetime.timedelta(days=1), created_by=owner
    )
    Job.objects.create(meeting=upcoming, kind="process")
    Meeting.objects.create(organization=org, title="처리된 회의", held_at=at(2026, 1, 1, 9), status="ready")
    response = client_for(member).get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "다가오는 회의" in page and "처리된 회의" in page and "지난 마감" in page and "대표 일" not in page
    assert 'class="overdue"' in page
    data = api_client(member).get("/api/v1/dashboard/").json()
    assert [m["title"] for m in data["upcoming"]] == ["다가오는 회의"]
    assert [i["text"] for i in data["my_action_items"]] == ["지난 마감", "곧 마감"]
    assert [m["title"] for m in data["recently_processed"]] == ["처리된 회의"]
    assert [j["meeting"] for j in data["processing_queue"]] == [upcoming.pk]


def test_anonymous_home_goes_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_times_show_in_each_users_time_zone(org, owner, member):
    Meeting.objects.create(organization=org, title="시간대", held_at=at(2026, 11, 25, 10, 0), created_by=owner)
    assert "2026-11-25 10:00" in client_for(member).get("/calendar/list/?past=1").content.decode()
    set_timezone(member, "America/New_York")
    assert "2026-11-24 20:00" in client_for(member).get("/calendar/list/?past=1").content.decode()
    assert "2026-11-25 10:00" in client_for(owner).get("/calendar/list/?past=1").content.decode()


def test_schedule_form_reads_times_in_the_users_time_zone(org, member):
    set_timezone(member, "Europe/London")
    client_for(member).post(
        "/schedule/", {"title": "런던", "held_at": "2026-07-01T09:00", "duration_minutes": 30, "language": "ko"}
    )
    meeting = Meeting.objects.get(title="런던")
    assert meeting.held_at == datetime.datetime(2026, 7, 1, 8, 0, tzinfo=datetime.UTC)  # BST is UTC+1


def test_preferences_page_changes_time_zone_and_refuses_unknown(member_client, member):
    member_client.post("/preferences/", {"action": "settings", "timezone": "Asia/Tokyo", "recap_emails": "on"})
    member.refresh_from_db()
    assert member.timezone == "Asia/Tokyo"
    response = api_client(member).patch("/api/v1/me/preferences/", {"timezone": "Mars/Base"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_timezone"


def test_calendar_month_and_week_views(org, owner, member):
    Meeting.objects.create(organization=org, title="월간 일정", held_at=at(2026, 11, 30, 23, 30), created_by=owner)
    client = client_for(member)
    month = client.get("/calendar/?month=2026-11").content.decode()
    assert "23:30 월간 일정" in month
    week = client.get("/calendar/week/?date=2026-12-02").content.decode()
    assert "월간 일정" in week  # Monday 30 November is in that week
    assert "월간 일정" not in client.get("/calendar/week/?date=2026-12-08").content.decode()
    assert client.get("/calendar/?month=junk").status_code == 200
    events = (
        api_client(member)
        .get("/api/v1/calendar/", {"start": "2026-11-30T00:00:00+09:00", "end": "2026-12-01T00:00:00+09:00"})
        .json()
    )
    assert [e["title"] for e in events] == ["월간 일정"]
    assert events[0]["end"] == "2026-12-01T00:30:00+09:00"


def test_agenda_model_is_ordered(meeting):
    set_agenda(meeting, ["b", {"title": "a", "notes": "n"}])
    assert list(AgendaItem.objects.filter(meeting=meeting).values_list("title", flat=True)) == ["b", "a"]


def test_every_conference_page_renders(org, owner, owner_client, meeting):
    series = create_series(org, owner, name="주간")
    update_schedule(meeting, series=series, agenda=["안건"], member_ids=[owner.pk])
    for path in (
        "/",
        "/dashboard/",
        "/calendar/",
        "/calendar/week/",
        "/calendar/list/",
        "/schedule/?date=2026-12-01",
        f"/meetings/{meeting.pk}/schedule/",
        f"/meetings/{meeting.pk}/speakers/",
        f"/meetings/{meeting.pk}/sharing/",
        "/action-items/",
        "/decisions/",
        "/series/",
        f"/series/{series.pk}/",
        "/preferences/",
    ):
        response = owner_client.get(path)
        assert response.status_code == 200, path
        assert 'href="/calendar/"' in response.content.decode(), path  # the navigation
    response = owner_client.post("/series/", {"name": "월간 보고", "recurrence": "monthly"})
    assert response.status_code == 302 and Series.objects.filter(name="월간 보고", organization=org).exists()


def test_series_pages_are_organization_scoped(org, owner, outsider_client):
    series = create_series(org, owner, name="주간")
    assert outsider_client.get(f"/series/{series.pk}/").status_code == 404
