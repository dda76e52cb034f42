"""Recap emails through Django's mail outbox: minutes plus each attendee's own action items, HTML and
text, in each member's time zone; opt-out honoured; sent automatically once when a minutes job
finishes, and on demand by the meeting's creator or an admin."""

import datetime
import zoneinfo

import pytest
from django.core import mail
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


def test_recap_is_sent_once_when_a_minutes_job_finishes(meeting, owner, member):
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


def test_recap_auto_can_be_turned_off(settings, meeting):
    settings.RECAP_AUTO = False
    factories.transcript(meeting, [("S1", "결정했습니다.")], names=False)
    job = Job.objects.create(meeting=meeting, kind="minutes", options={"provider": "offline"})
    assert tasks.run_job(job.pk) == JobState.DONE
    assert mail.outbox == []
