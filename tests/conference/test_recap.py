"""Recap emails through Django's mail outbox: minutes plus each attendee's own action items, HTML and
text, in each member's time zone; opt-out honoured; sent by itself once when a minutes job finishes only
where the organization turned that on (off by default); on demand by the meeting's creator or an admin
after a page that names every recipient; guests typed on the meeting form with an email get it too."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from meetings.conference.attendees import Guest, set_attendees
from meetings.conference.preferences import preference_for, set_timezone
from meetings.models import Job, JobState
from meetings.processing import tasks
from tests.support import factories

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.LLM_PROVIDER = "offline"


@pytest.fixture
def meeting(org, owner, member):
    held_at = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=SEOUL)
    meeting = factories.meeting(org, "출시 회의", creator=owner, held_at=held_at, location="3층")
    set_attendees(meeting, [owner.pk, member.pk], [Guest("jane@partner.com", "Jane")])
    return meeting


@pytest.fixture
def with_minutes(meeting, owner, member):
    return factories.minutes(
        meeting,
        {"title": "출시 회의", "overview": "출시 일정을 정했다", "key_points": ["다음 달 출시"]},
        action_items=[
            {"text": "마케팅 계획 작성", "assignee": member, "due_date": datetime.date(2026, 12, 4)},
            {"text": "서버 견적 확인", "assignee": owner},
            {"text": "파트너 자료 전달", "owner_name": "Jane"},
        ],
    )


def by_recipient():
    return {message.to[0]: message for message in mail.outbox}


def test_recap_button_sends_html_and_text_with_own_items(with_minutes, meeting, owner_client):
    response = owner_client.post(f"/meetings/{meeting.pk}/recap/")
    assert response.status_code == 302
    messages = by_recipient()
    assert set(messages) == {"owner@example.com", "member@example.com", "jane@partner.com"}
    to_member = messages["member@example.com"]
    assert to_member.subject == "Recap: 출시 회의"
    html, mimetype = to_member.alternatives[0]
    assert mimetype == "text/html"
    for body in (to_member.body, html):
        assert "마케팅 계획 작성" in body and "2026-12-04" in body and "출시 일정을 정했다" in body
        assert "2026-11-25 10:00 (Asia/Seoul)" in body
        assert f"/meetings/{meeting.pk}/" in body and "/preferences/" in body
    own = html.split("Your action items")[1].split("</ul>")[0]
    assert "마케팅 계획 작성" in own and "서버 견적 확인" not in own
    to_guest = messages["jane@partner.com"]
    assert "파트너 자료 전달" in to_guest.body.split("Decisions")[0].split("Minutes:")[0]
    assert f"/meetings/{meeting.pk}/" not in to_guest.body  # guests get no link into the archive
    meeting.refresh_from_db()
    assert meeting.recap_sent_at is not None


def test_opt_out_is_honoured(with_minutes, meeting, member, member_client, owner):
    member_client.post("/preferences/", {"action": "settings", "timezone": "Asia/Seoul"})  # box unticked
    assert preference_for(member).recap_emails is False
    api = APIClient()
    api.force_authenticate(owner)
    response = api.post(f"/api/v1/meetings/{meeting.pk}/recap/")
    assert response.status_code == 200 and response.json()["sent"] == 2
    assert set(by_recipient()) == {"owner@example.com", "jane@partner.com"}


def test_times_in_each_members_time_zone(with_minutes, meeting, member, owner_client):
    set_timezone(member, "Europe/Paris")
    owner_client.post(f"/meetings/{meeting.pk}/recap/")
    assert "2026-11-25 02:00 (Europe/Paris)" in by_recipient()["member@example.com"].body
    assert "2026-11-25 10:00 (Asia/Seoul)" in by_recipient()["owner@example.com"].body


def test_only_creator_or_admin_sends_and_minutes_are_needed(meeting, member, owner, member_client, outsider_client):
    assert member_client.post(f"/meetings/{meeting.pk}/recap/").status_code == 403
    assert outsider_client.post(f"/meetings/{meeting.pk}/recap/").status_code == 404
    api = APIClient()
    api.force_authenticate(owner)
    response = api.post(f"/api/v1/meetings/{meeting.pk}/recap/")
    assert response.status_code == 409 and response.json()["code"] == "no_minutes"
    assert mail.outbox == []


def test_recap_is_sent_once_when_a_minutes_job_finishes(org, meeting, owner, member):
    org.recap_after_minutes = True
    org.save()
    lines = [
        ("S1", "출시는 다음 달 3일로 하기로 결정했습니다."),
        ("S1", "박팀원 씨가 다음 주 금요일까지 마케팅 계획안을 작성하겠습니다."),
    ]
    factories.transcript(meeting, lines, every=10.0, length=8.0, names=False, speakers={"S1": {"member": owner}})
    job = Job.objects.create(meeting=meeting, kind="minutes", options={"provider": "offline"})
    assert tasks.run_job(job.pk) == JobState.DONE
    assert set(by_recipient()) == {"owner@example.com", "member@example.com", "jane@partner.com"}
    assert "html" in by_recipient()["owner@example.com"].alternatives[0][1]

    again = Job.objects.create(meeting=meeting, kind="minutes", options={"provider": "offline"})
    assert tasks.run_job(again.pk) == JobState.DONE
    assert len(mail.outbox) == 3  # regenerating does not send again


def test_recap_auto_can_be_turned_off_for_the_server(settings, org, meeting):
    org.recap_after_minutes = True
    org.save()
    settings.RECAP_AUTO = False
    factories.transcript(meeting, [("S1", "결정했습니다.")], names=False)
    job = Job.objects.create(meeting=meeting, kind="minutes", options={"provider": "offline"})
    assert tasks.run_job(job.pk) == JobState.DONE
    assert mail.outbox == []


def _finish_minutes_job(meeting):
    factories.transcript(meeting, [("S1", "출시는 다음 달로 하기로 결정했습니다.")], names=False)
    job = Job.objects.create(meeting=meeting, kind="minutes", options={"provider": "offline"})
    assert tasks.run_job(job.pk) == JobState.DONE


def test_a_new_organization_sends_no_recap_by_itself(meeting):
    assert factories.organization("새 팀").recap_after_minutes is False
    assert meeting.organization.recap_after_minutes is False
    _finish_minutes_job(meeting)
    meeting.refresh_from_db()
    assert mail.outbox == [] and meeting.recap_sent_at is None


def test_admin_turns_automatic_recaps_on_in_the_minutes_settings(org, meeting, owner_client, member_client):
    page = owner_client.get("/meetings/minutes-settings/").content.decode()
    assert 'name="recap_after_minutes"' in page and "checked" not in page.split('id="recap-settings"')[1][:600]
    assert member_client.post("/organization/recap-settings/", {"recap_after_minutes": "on"}).status_code == 403
    org.refresh_from_db()
    assert org.recap_after_minutes is False
    response = owner_client.post("/organization/recap-settings/", {"recap_after_minutes": "on"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.recap_after_minutes is True
    _finish_minutes_job(meeting)
    assert set(by_recipient()) == {"owner@example.com", "member@example.com", "jane@partner.com"}


def test_recap_setting_through_the_api(org, owner, member):
    api = APIClient()
    api.force_authenticate(member)
    assert api.put(f"/api/v1/organizations/{org.pk}/recap-settings/", {"recap_after_minutes": True}).status_code == 403
    api.force_authenticate(owner)
    url = f"/api/v1/organizations/{org.pk}/recap-settings/"
    assert api.get(url).json() == {"recap_after_minutes": False}
    assert api.put(url, {"recap_after_minutes": True}, format="json").json() == {"recap_after_minutes": True}
    org.refresh_from_db()
    assert org.recap_after_minutes is True


def test_send_button_asks_first_and_names_every_recipient(with_minutes, meeting, owner_client, member):
    card = owner_client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f'hx-get="/meetings/{meeting.pk}/recap/"' in card  # the button opens the confirmation
    preview = owner_client.get(f"/meetings/{meeting.pk}/recap/", headers={"HX-Request": "true"})
    assert preview.status_code == 200 and mail.outbox == []
    html = preview.content.decode()
    assert "<html" not in html  # the partial, swapped into the card
    for name, address in (("Jane", "jane@partner.com"), (member.display_name, "member@example.com")):
        assert name in html and f"&lt;{address}&gt;" in html
    assert f'action="/meetings/{meeting.pk}/recap/"' in html and "already sent" not in html

    owner_client.post(f"/meetings/{meeting.pk}/recap/")
    assert len(mail.outbox) == 3
    again = owner_client.get(f"/meetings/{meeting.pk}/recap/").content.decode()
    assert "A recap was already sent on" in again and "Send again" in again and len(mail.outbox) == 3


def test_confirmation_says_who_is_left_out_and_why(with_minutes, meeting, owner, member, member_client, owner_client):
    member_client.post("/preferences/", {"action": "settings", "timezone": "Asia/Seoul"})  # recaps off
    set_attendees(meeting, [owner.pk, member.pk], [Guest("jane@partner.com", "Jane"), Guest(name="Lee")])
    html = owner_client.get(f"/meetings/{meeting.pk}/recap/").content.decode()
    sending = html.split('class="plain-list recap-recipients"')[1].split("</ul>")[0]
    left_out = html.split('class="plain-list muted recap-left-out"')[1].split("</ul>")[0]
    assert "jane@partner.com" in sending and "owner@example.com" in sending and "member@example.com" not in sending
    assert member.display_name in left_out and "Lee" in left_out and "no email address" in left_out


def test_api_reports_the_recipients_before_and_after_sending(with_minutes, meeting, owner):
    api = APIClient()
    api.force_authenticate(owner)
    plan = api.get(f"/api/v1/meetings/{meeting.pk}/recap/").json()
    assert plan["has_minutes"] is True and plan["sent_at"] is None and mail.outbox == []
    emails = {r["email"] for r in plan["recipients"]}
    assert emails == {"owner@example.com", "member@example.com", "jane@partner.com"}
    sent = api.post(f"/api/v1/meetings/{meeting.pk}/recap/").json()
    assert sent["sent"] == 3 and {r["email"] for r in sent["recipients"]} == emails
    assert {r["name"] for r in sent["recipients"] if r["is_guest"]} == {"Jane"}
    assert api.get(f"/api/v1/meetings/{meeting.pk}/recap/").json()["sent_at"] is not None


def test_other_participants_with_an_email_get_the_recap(org, owner, owner_client):
    response = owner_client.post(
        "/meetings/new/",
        {
            "title": "파트너 회의",
            "held_at": "2026-11-25T10:00",
            "language": "ko",
            "participants": [owner.pk],
            "external_participants": "Alice <alice@partner.com>, Brian, carla@vendor.kr",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = org.meetings.get(title="파트너 회의")
    factories.minutes(meeting, {"title": "파트너 회의", "overview": "협력 범위를 정했다"})
    owner_client.post(f"/meetings/{meeting.pk}/recap/")
    assert set(by_recipient()) == {"owner@example.com", "alice@partner.com", "carla@vendor.kr"}
    assert f"/meetings/{meeting.pk}/" not in by_recipient()["alice@partner.com"].body

    edit = owner_client.get(f"/meetings/{meeting.pk}/edit/").content.decode()
    assert "Alice &lt;alice@partner.com&gt;, Brian, carla@vendor.kr" in edit  # the form shows the emails back


def test_other_participants_refuse_a_malformed_email(org, owner_client):
    response = owner_client.post(
        "/meetings/new/",
        {"title": "x", "held_at": "2026-11-25T10:00", "language": "ko", "external_participants": "Bob <bob@>"},
    )
    assert response.status_code == 200 and "Not an email address" in response.content.decode()
    api = APIClient()
    api.force_authenticate(org.memberships.get(role="owner").user)
    refused = api.post("/api/v1/meetings/", {"title": "x", "external_participants": "Bob <bob@>"}, format="json")
    assert refused.status_code == 400 and "external_participants" in refused.json()


def test_attendee_list_is_the_same_everywhere(org, owner, member, owner_client):
    api = APIClient()
    api.force_authenticate(owner)
    created = api.post(
        "/api/v1/meetings/",
        {"title": "출시 회의", "participants": [owner.pk, member.pk], "external_participants": "Alice, Brian <b@x.kr>"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    names = [owner.display_name, member.display_name, "Alice", "Brian"]
    page = owner_client.get(f"/meetings/{pk}/").content.decode()
    header = page.split('class="attendee-names">')[1].split("</dd>")[0]
    card = page.split("conference-card")[1].split("</p>", 2)[1]
    for name in names:
        assert name in header and name in card
    schedule = api.get(f"/api/v1/meetings/{pk}/schedule/").json()
    assert sorted(a["display_name"] for a in schedule["attendees"]) == sorted(names)
    assert next(a for a in schedule["attendees"] if a["name"] == "Brian")["email"] == "b@x.kr"
    detail = api.get(f"/api/v1/meetings/{pk}/").json()
    assert detail["external_participants"] == "Alice, Brian" and sorted(detail["participants"]) == sorted(
        [owner.pk, member.pk]
    )
    # A title-only change keeps the guests' addresses.
    api.patch(f"/api/v1/meetings/{pk}/", {"title": "출시 회의 2"}, format="json")
    schedule = api.get(f"/api/v1/meetings/{pk}/schedule/").json()
    assert next(a for a in schedule["attendees"] if a["name"] == "Brian")["email"] == "b@x.kr"


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_typed_other_participants_guest_attendees(org, owner):
    executor = MigrationExecutor(connection)
    before = ("meetings", "0014_meeting_title_is_one_line")
    after = ("meetings", "0015_other_participants_are_attendees")
    executor.migrate([before])
    apps = executor.loader.project_state([before]).apps
    OldMeeting, OldAttendee = apps.get_model("meetings", "Meeting"), apps.get_model("meetings", "Attendee")
    meeting = OldMeeting.objects.create(
        organization_id=org.pk, title="예전 회의", external_participants="Alice, Brian ,"
    )
    meeting.participants.add(owner.pk)
    OldAttendee.objects.create(meeting=meeting, name="Brian", email="brian@x.kr")  # already a guest: kept once

    executor = MigrationExecutor(connection)
    executor.migrate([after])
    Attendee = executor.loader.project_state([after]).apps.get_model("meetings", "Attendee")
    rows = Attendee.objects.filter(meeting_id=meeting.pk)
    assert sorted((a.name, a.email) for a in rows.filter(user__isnull=True)) == [("Alice", ""), ("Brian", "brian@x.kr")]
    assert list(rows.filter(user__isnull=False).values_list("user_id", flat=True)) == [owner.pk]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
