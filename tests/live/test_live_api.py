"""The live capture API: opening a session, chunks (idempotent, refused when bad), reading it, finishing
it, and who may do each."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.tokens import RefreshToken

from meetings.live import services
from meetings.models import LiveChunk, LiveSession, LiveState, LiveText, MeetingStatus
from tests.support import factories

pytestmark = pytest.mark.django_db


def api_client(user):
    return Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")


@pytest.fixture
def meeting(org, owner):
    return factories.meeting(org, "라이브 회의", creator=owner)


@pytest.fixture
def session(meeting, member):
    """A live session recorded by a plain member (anyone who may see the meeting may record it)."""
    return services.open_session(meeting, member)


def open_url(meeting):
    return reverse("api:live-open", args=[meeting.pk])


def chunk_url(session, seq):
    return reverse("api:live-chunk", args=[session.pk, seq])


def put_chunk(client, session, seq, body, content_type="audio/webm"):
    return client.put(chunk_url(session, seq), body, content_type=content_type)


# --- opening ------------------------------------------------------------------------------------


def test_a_member_opens_a_session_and_a_second_one_is_refused(meeting, member, owner):
    response = api_client(member).post(open_url(meeting))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "recording" and body["owner"] == member.pk
    assert body["chunks"] == {"count": 0, "missing": [], "seconds": 0.0, "next_sequence": 0}

    again = api_client(owner).post(open_url(meeting))
    assert again.status_code == 409
    assert again.json()["code"] == "live_open" and again.json()["live_session"] == body["id"]


def test_a_meeting_with_a_recording_cannot_be_recorded_live(meeting, owner):
    factories.recording(meeting)
    response = api_client(owner).post(open_url(meeting))
    assert response.status_code == 409 and response.json()["code"] == "exists"
    assert not LiveSession.objects.exists()


def test_an_outsider_cannot_open_a_session(meeting, outsider):
    assert api_client(outsider).post(open_url(meeting)).status_code == 404
    assert not LiveSession.objects.exists()


def test_the_organization_limit_answers_429_and_the_server_limit_503(org, owner, other_org, outsider, settings):
    settings.LIVE_MAX_SESSIONS_PER_ORG = 1
    settings.LIVE_MAX_SESSIONS = 2
    first, second = factories.meeting(org, "하나", creator=owner), factories.meeting(org, "둘", creator=owner)
    assert api_client(owner).post(open_url(first)).status_code == 201
    refused = api_client(owner).post(open_url(second))
    assert refused.status_code == 429 and refused.json()["code"] == "live_limit"

    elsewhere = factories.meeting(other_org, "다른 조직", creator=outsider)
    third_org = factories.organization("셋째 조직", members=[(outsider, "owner")])
    assert api_client(outsider).post(open_url(elsewhere)).status_code == 201
    full = api_client(outsider).post(open_url(factories.meeting(third_org, "셋", creator=outsider)))
    assert full.status_code == 503 and full.json()["code"] == "live_limit"

    # a finished session frees its place
    services.request_finish(LiveSession.objects.get(meeting=first))
    assert api_client(owner).post(open_url(second)).status_code == 201


# --- chunks -------------------------------------------------------------------------------------


def test_a_chunk_is_stored_once_and_sending_it_again_answers_the_stored_one(session, member, tone_chunks):
    client = api_client(member)
    body = tone_chunks[0].read_bytes()
    first = put_chunk(client, session, 0, body)
    assert first.status_code == 201, first.content
    assert first.json()["sha256"] == hashlib.sha256(body).hexdigest()
    assert first.json()["duration"] == pytest.approx(2.0, abs=0.05)
    again = put_chunk(client, session, 0, body)
    assert again.status_code == 200 and again.json() == first.json()
    chunk = LiveChunk.objects.get()
    assert chunk.file.read() == body
    assert chunk.file.name.startswith(f"live/org-{session.meeting.organization_id}/")

    conflict = put_chunk(client, session, 0, tone_chunks[1].read_bytes())
    assert conflict.status_code == 409 and conflict.json()["code"] == "chunk_conflict"
    assert LiveChunk.objects.count() == 1


def test_gaps_are_allowed_while_recording_and_reported(session, member, tone_chunks):
    client = api_client(member)
    assert put_chunk(client, session, 2, tone_chunks[2].read_bytes()).status_code == 201
    assert put_chunk(client, session, 0, tone_chunks[0].read_bytes()).status_code == 201
    state = client.get(reverse("api:live-session", args=[session.pk])).json()
    assert state["chunks"]["count"] == 2 and state["chunks"]["missing"] == [1]
    assert state["chunks"]["seconds"] == pytest.approx(4.0, abs=0.1)


def test_a_chunk_that_is_not_audio_is_refused_and_nothing_is_stored(session, member):
    response = put_chunk(api_client(member), session, 0, b"this is not audio at all" * 100, "audio/webm")
    assert response.status_code == 400 and response.json()["code"] == "invalid_media"
    empty = put_chunk(api_client(member), session, 0, b"", "audio/webm")
    assert empty.status_code == 400 and empty.json()["code"] == "empty"
    assert not LiveChunk.objects.exists()


def test_a_chunk_over_the_size_limit_is_refused(session, member, tone_wav_chunks, settings):
    settings.LIVE_CHUNK_MAX_BYTES = 10_000
    response = put_chunk(api_client(member), session, 0, tone_wav_chunks[0].read_bytes(), "audio/wav")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not LiveChunk.objects.exists()


def test_a_sequence_number_out_of_range_is_refused(session, member, tone_chunks):
    response = put_chunk(api_client(member), session, 10**7, tone_chunks[0].read_bytes())
    assert response.status_code == 400 and response.json()["code"] == "invalid_sequence"


def test_chunks_of_another_user_or_organization_are_404(session, owner, outsider, tone_chunks):
    body = tone_chunks[0].read_bytes()
    assert put_chunk(api_client(owner), session, 0, body).status_code == 404  # the owner is not the recorder
    assert put_chunk(api_client(outsider), session, 0, body).status_code == 404
    assert api_client(outsider).get(reverse("api:live-session", args=[session.pk])).status_code == 404
    assert api_client(owner).post(reverse("api:live-finish", args=[session.pk])).status_code == 404
    assert not LiveChunk.objects.exists()
    # another member of the organization may read it (it is the meeting's)
    assert api_client(owner).get(reverse("api:live-session", args=[session.pk])).status_code == 200


def test_a_chunk_after_finish_is_refused(session, member, tone_chunks):
    client = api_client(member)
    assert put_chunk(client, session, 0, tone_chunks[0].read_bytes()).status_code == 201
    assert client.post(reverse("api:live-finish", args=[session.pk])).status_code == 202
    late = put_chunk(client, session, 1, tone_chunks[1].read_bytes())
    assert late.status_code == 409 and late.json()["code"] == "live_finished"
    assert LiveChunk.objects.count() == 1


# --- reading --------------------------------------------------------------------------------------


def test_live_text_is_read_with_after_and_dropped_once_the_final_transcript_is_in(session, member):
    LiveText.objects.create(session=session, start=0.5, end=3.0, text="launch date")
    LiveText.objects.create(session=session, start=4.0, end=7.5, text="budget")
    client = api_client(member)
    url = reverse("api:live-session", args=[session.pk])
    assert [t["text"] for t in client.get(url).json()["texts"]] == ["launch date", "budget"]
    assert [t["text"] for t in client.get(url, {"after": 3.0}).json()["texts"]] == ["budget"]
    assert client.get(url, {"after": "soon"}).status_code == 400

    # finished and processed: the meeting's transcript is the final one, the draft goes
    LiveSession.objects.filter(pk=session.pk).update(state=LiveState.DONE)
    session.meeting.__class__.objects.filter(pk=session.meeting_id).update(status=MeetingStatus.PROCESSING)
    assert len(client.get(url).json()["texts"]) == 2  # still processing: the draft stays
    session.meeting.__class__.objects.filter(pk=session.meeting_id).update(status=MeetingStatus.READY)
    assert client.get(url).json()["texts"] == []
    assert not LiveText.objects.exists()
