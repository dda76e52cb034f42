"""Share links: a read-only guest view of one meeting (player, minutes, transcript) for valid links;
expired, revoked and guessed tokens give 404; the guest page never links to chat, search or other
meetings; only the meeting's creator or an admin manages links."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from meetings.conference.sharing import create_share_link, revoke_share_link
from meetings.models import ShareLink
from tests.support import factories


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(org, owner):
    meeting = factories.meeting(org, "공유할 회의", creator=owner, status="ready")
    factories.meeting(org, "다른 회의", creator=owner)
    turn = ("김대표", "출시는 다음 달입니다.", {"start": 1.5, "end": 4.0})
    speaker = factories.transcript(meeting, [turn], speakers={"김대표": {"color": "#2563eb"}})["김대표"]
    factories.minutes(
        meeting,
        {
            "title": "공유할 회의",
            "overview": "출시 일정 논의",
            "key_points": ["출시 다음 달"],
            "decisions": [{"text": "다음 달 출시", "speaker": "김대표", "speaker_id": speaker.pk, "start": 1.5}],
            "action_items": [{"text": "공지 작성", "owner": "박팀원"}],
        },
        decisions=[{"text": "다음 달 출시", "speaker_name": "김대표", "start": 1.5}],
        action_items=[{"text": "공지 작성", "owner_name": "박팀원"}],
    )
    factories.recording(meeting, 1.0, name="tone.wav", content_type="audio/wav")
    return meeting


def test_valid_link_shows_read_only_guest_view(meeting, owner, client):
    link = create_share_link(meeting, owner, days=7)
    response = client.get(f"/s/{link.token}/")
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow" and response["Referrer-Policy"] == "no-referrer"
    page = response.content.decode()
    assert "공유할 회의" in page and "출시는 다음 달입니다." in page and "출시 일정 논의" in page
    assert "다음 달 출시" in page and "공지 작성" in page
    assert f'src="/s/{link.token}/audio/"' in page
    # Nothing else of the archive: no navigation, no chat, no search, no other meeting, no edit forms.
    for absent in ("다른 회의", "/meetings/", "/search", "chat", "<form", "Log out", "/api/"):
        assert absent not in page, absent
    link.refresh_from_db()
    assert link.last_used_at is not None


def test_guest_can_play_the_recording_with_ranges(meeting, owner, client):
    link = create_share_link(meeting, owner)
    response = client.get(f"/s/{link.token}/audio/", HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206 and len(b"".join(response.streaming_content)) == 100
    assert response["Content-Type"] == "audio/wav"


def test_expired_revoked_and_guessed_links_are_404(meeting, owner, client):
    expired = create_share_link(meeting, owner)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    revoked = revoke_share_link(create_share_link(meeting, owner))
    for token in (expired.token, revoked.token, "guessed-token", revoked.token[:-1] + "x", "a" * 200):
        assert client.get(f"/s/{token}/").status_code == 404, token
        assert client.get(f"/s/{token}/audio/").status_code == 404, token


def test_links_outlive_no_session_and_do_not_open_the_meeting_page(meeting, owner, client):
    link = create_share_link(meeting, owner)
    assert client.get(f"/s/{link.token}/").status_code == 200
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 302  # to login: a link is not a session
    assert client.get(f"/meetings/{meeting.pk}/transcript/").status_code == 302


def test_sharing_page_creates_and_revokes_links(meeting, owner_client, client):
    response = owner_client.post(f"/meetings/{meeting.pk}/sharing/", {"action": "link", "days": "30"})
    assert response.status_code == 200
    link = ShareLink.objects.get(meeting=meeting)
    assert f"/s/{link.token}/" in response.content.decode()
    assert abs((link.expires_at - timezone.now()) - datetime.timedelta(days=30)) < datetime.timedelta(minutes=1)
    owner_client.post(f"/meetings/{meeting.pk}/sharing/links/{link.pk}/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(f"/s/{link.token}/").status_code == 404
    assert "Revoked" in owner_client.get(f"/meetings/{meeting.pk}/sharing/").content.decode()


def test_members_who_did_not_create_the_meeting_cannot_make_links(meeting, member, member_client, outsider_client):
    assert member_client.post(f"/meetings/{meeting.pk}/sharing/", {"action": "link"}).status_code == 403
    assert outsider_client.post(f"/meetings/{meeting.pk}/sharing/", {"action": "link"}).status_code == 404
    api = APIClient()
    api.force_authenticate(member)
    assert api.post(f"/api/v1/meetings/{meeting.pk}/share-links/", {"days": 7}).status_code == 403
    assert not ShareLink.objects.exists()


def test_share_link_api(meeting, admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)
    created = api.post(f"/api/v1/meetings/{meeting.pk}/share-links/", {"days": 1}, format="json")
    assert created.status_code == 201 and created.json()["is_active"] is True
    token_url = created.json()["url"]
    assert Client().get(token_url.removeprefix("http://testserver")).status_code == 200
    assert api.post(f"/api/v1/meetings/{meeting.pk}/share-links/", {"days": 365}, format="json").status_code == 400
    link_id = created.json()["id"]
    revoked = api.post(f"/api/v1/meetings/{meeting.pk}/share-links/{link_id}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert Client().get(token_url.removeprefix("http://testserver")).status_code == 404
    assert [link["id"] for link in api.get(f"/api/v1/meetings/{meeting.pk}/share-links/").json()] == [link_id]
