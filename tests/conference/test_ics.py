"""Calendar files: a meeting's .ics and the private feed, parsed back with icalendar and checked
(times with TZID in the reader's zone, the same instant in UTC, attendees, agenda); feed tokens
that are unknown, reset or turned off give 404."""

import datetime
import zoneinfo

import pytest
from django.test import Client
from icalendar import Calendar
from rest_framework.test import APIClient

from meetings.conference.attendees import Guest
from meetings.conference.preferences import preference_for, reset_feed_token, set_timezone
from meetings.conference.scheduling import schedule_meeting
from meetings.conference.sharing import set_visibility
from meetings.models import Meeting

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture
def scheduled(org, owner, member):
    (meeting,) = schedule_meeting(
        org,
        owner,
        title="분기 계획 회의",
        held_at=datetime.datetime(2026, 12, 1, 14, 0, tzinfo=SEOUL),
        duration_minutes=90,
        location="3층 회의실",
        video_link="https://meet.example.com/abc",
        agenda=["지난 분기 리뷰", "다음 분기 목표"],
        member_ids=[owner.pk, member.pk],
        guests=[Guest("jane@partner.com", "Jane Doe")],
    )
    return meeting


def events(body):
    cal = Calendar.from_ical(body)
    return cal, list(cal.walk("VEVENT"))


def test_meeting_ics_in_seoul_time(scheduled, member_client):
    response = member_client.get(f"/meetings/{scheduled.pk}/meeting.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    cal, (event,) = events(response.content)
    assert str(cal["version"]) == "2.0" and "NexoChat" in str(cal["prodid"])
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert event["dtstart"].params["TZID"] == "Asia/Seoul"
    assert start == datetime.datetime(2026, 12, 1, 14, 0, tzinfo=SEOUL)
    assert start.astimezone(datetime.UTC) == datetime.datetime(2026, 12, 1, 5, 0, tzinfo=datetime.UTC)
    assert end - start == datetime.timedelta(minutes=90)
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Seoul"]
    assert str(event["summary"]) == "분기 계획 회의" and str(event["location"]) == "3층 회의실"
    assert str(event["uid"]) == f"meeting-{scheduled.pk}@127.0.0.1:8000"
    assert str(event["url"]).endswith(f"/meetings/{scheduled.pk}/")
    description = str(event["description"])
    assert "1. 지난 분기 리뷰" in description and "https://meet.example.com/abc" in description
    attendees = {str(a).lower(): a.params.get("CN") for a in event["attendee"]}
    assert attendees == {
        "mailto:owner@example.com": "김대표",
        "mailto:member@example.com": "박팀원",
        "mailto:jane@partner.com": "Jane Doe",
    }
    assert event.decoded("dtstamp").tzinfo is not None


def test_meeting_ics_uses_the_readers_time_zone(scheduled, member):
    set_timezone(member, "America/Los_Angeles")
    client = Client()
    client.force_login(member)
    cal, (event,) = events(client.get(f"/meetings/{scheduled.pk}/meeting.ics").content)
    assert event["dtstart"].params["TZID"] == "America/Los_Angeles"
    start = event.decoded("dtstart")
    assert start.replace(tzinfo=None) == datetime.datetime(2026, 11, 30, 21, 0)
    assert start.astimezone(datetime.UTC) == datetime.datetime(2026, 12, 1, 5, 0, tzinfo=datetime.UTC)
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["America/Los_Angeles"]


def test_private_feed_lists_only_my_meetings(org, owner, member, scheduled, client):
    other = Meeting.objects.create(
        organization=org, title="내가 없는 회의", held_at=datetime.datetime(2026, 12, 2, 9, 0, tzinfo=SEOUL)
    )
    assert other.pk
    token = reset_feed_token(member).feed_token
    response = client.get(f"/calendar/feed/{token}.ics")  # no session: the token is the key
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex"
    _cal, found = events(response.content)
    assert [str(e["summary"]) for e in found] == ["분기 계획 회의"]


def test_feed_hides_meetings_made_private_later(org, owner, member, scheduled, client):
    token = reset_feed_token(member).feed_token
    set_visibility(scheduled, "selected", [])
    _cal, found = events(client.get(f"/calendar/feed/{token}.ics").content)
    assert found == []


def test_feed_reset_revoke_and_guessed_tokens(member, member_client, client, scheduled):
    member_client.post("/preferences/", {"action": "feed_reset"})
    first = preference_for(member).feed_token
    assert first and client.get(f"/calendar/feed/{first}.ics").status_code == 200
    page = member_client.get("/preferences/").content.decode()
    assert f"/calendar/feed/{first}.ics" in page

    member_client.post("/preferences/", {"action": "feed_reset"})
    second = preference_for(member).feed_token
    assert second != first
    assert client.get(f"/calendar/feed/{first}.ics").status_code == 404
    assert client.get(f"/calendar/feed/{second}.ics").status_code == 200

    member_client.post("/preferences/", {"action": "feed_revoke"})
    assert client.get(f"/calendar/feed/{second}.ics").status_code == 404
    assert client.get("/calendar/feed/guessed-token-123.ics").status_code == 404
    assert client.get("/calendar/feed/None.ics").status_code == 404


def test_feed_api(member):
    api = APIClient()
    api.force_authenticate(member)
    assert api.get("/api/v1/calendar/feed/").json() == {"url": None, "created_at": None}
    url = api.post("/api/v1/calendar/feed/").json()["url"]
    assert url.startswith("http://testserver/calendar/feed/") and url.endswith(".ics")
    assert Client().get(url.removeprefix("http://testserver")).status_code == 200
    assert api.delete("/api/v1/calendar/feed/").status_code == 204
    assert Client().get(url.removeprefix("http://testserver")).status_code == 404
