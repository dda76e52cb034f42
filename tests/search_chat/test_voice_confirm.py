"""A spoken question waits for its speaker: with ask=0 (the page's flow) it is only transcribed, and
nothing is asked until the (perhaps edited) text is sent back with the voice question's id. The API's
default stays: asked as soon as it is transcribed."""

import pytest
from django.urls import reverse

from meetings.chat import services
from meetings.models import ChatMessage, VoiceQuestion
from tests.support.audio import espeak_wav, write_tone_wav
from tests.support.search_archive import ENGLISH, make_meeting

JSON = {"Accept": "application/json"}


def transcribed_voice(owner, org, text):
    """A voice question a speech worker has transcribed for confirmation (its audio already gone)."""
    conversation = services.start_conversation(owner, org)
    voice = VoiceQuestion.objects.create(conversation=conversation, user=owner)
    services.hold_voice_transcription(voice, text)
    return voice


def test_the_confirmed_text_is_asked_once_as_a_spoken_question(member_client, member, org):
    voice = transcribed_voice(member, org, "Where is the launch?")
    status = member_client.get(reverse("chat:voice_status", args=[voice.pk])).json()
    assert status["state"] == "done" and status["text"] == "Where is the launch?"
    assert status["conversation"] == voice.conversation_id and "stream_url" not in status
    assert not ChatMessage.objects.exists()

    fields = {"question": "When is the launch?", "voice": voice.pk}
    response = member_client.post("/chat/ask/", fields, headers=JSON)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["voice"] == voice.pk and data["conversation"] == voice.conversation_id
    question = ChatMessage.objects.get()
    assert (question.content, question.source) == ("When is the launch?", "voice")
    voice.refresh_from_db()
    assert voice.question == question
    # A second tap on "Ask" does not ask it twice.
    assert member_client.post("/chat/ask/", fields, headers=JSON).json()["message"] == question.pk
    assert ChatMessage.objects.count() == 1
    status = member_client.get(reverse("chat:voice_status", args=[voice.pk])).json()
    assert status["message"] == question.pk and status["stream_url"]


def test_someone_elses_or_an_unfinished_voice_question_cannot_be_asked(member_client, owner, member, org):
    others = transcribed_voice(owner, org, "Whose question is this?")
    response = member_client.post("/chat/ask/", {"question": "x", "voice": others.pk}, headers=JSON)
    assert response.status_code == 404
    queued = VoiceQuestion.objects.create(conversation=services.start_conversation(member, org), user=member)
    response = member_client.post("/chat/ask/", {"question": "x", "voice": queued.pk}, headers=JSON)
    assert response.status_code == 404
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize("url", ["/chat/voice/", "api"])
def test_ask_must_be_true_or_false(member_client, member, org, tmp_path, url):
    if url == "api":
        url = f"/api/v1/chat/conversations/{services.start_conversation(member, org).pk}/voice/"
    clip = write_tone_wav(tmp_path / "q.wav", seconds=1)
    with clip.open("rb") as audio:
        response = member_client.post(url, {"audio": audio, "ask": "maybe"}, headers=JSON)
    assert response.status_code == 400
    assert "ask must be true or false" in response.content.decode()
    assert not VoiceQuestion.objects.exists()


@pytest.mark.slow
def test_a_spoken_question_is_only_transcribed_until_confirmed(
    org, member_client, tmp_path, media_root, django_capture_on_commit_callbacks
):
    make_meeting(org, "Weekly planning", ENGLISH, language="en")
    clip = espeak_wav(tmp_path / "question.wav", "What did we decide about the budget?")
    for url in ("/chat/voice/", None):
        if url is None:  # the API, into the conversation the page's question went to
            url = f"/api/v1/chat/conversations/{VoiceQuestion.objects.get().conversation_id}/voice/"
        with django_capture_on_commit_callbacks(execute=True), clip.open("rb") as audio:
            response = member_client.post(url, {"audio": audio, "language": "en", "ask": "false"}, headers=JSON)
        assert response.status_code == 202, response.content
        status = member_client.get(response.json()["status_url"]).json()
        assert status["state"] == "done" and "budget" in status["text"].lower(), status
        assert not status.get("question") and not status.get("stream_url") and not status.get("answer_url")
    assert not ChatMessage.objects.exists()
    assert all(not v.audio for v in VoiceQuestion.objects.all())
