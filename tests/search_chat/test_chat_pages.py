"""The chat pages and the chat API: asking, the streamed answer (Server-Sent Events), citations that open
and seek, conversations kept per user and never shown to anyone else, the per-meeting chat box, the
organization's provider (fake CLOVA), and a spoken question end to end."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Role
from ai_pipeline.chat import NOT_FOUND
from meetings.models import ChatMessage, Conversation, OrganizationAISettings, VoiceQuestion
from tests.support.audio import espeak_wav
from tests.support.fakes.clova import FakeClova
from tests.support.search_archive import BUDGET, ENGLISH, LAUNCH, SECURITY, make_meeting

ASK = "/chat/ask/"


@pytest.fixture
def archive(org, other_org):
    return {
        "budget": make_meeting(org, "예산 회의", BUDGET),
        "launch": make_meeting(org, "제품 출시 회의", LAUNCH, tags=["출시"]),
        "security": make_meeting(other_org, "보안 사고 대응", SECURITY),
    }


def events(response):
    """The (event, data) pairs of a Server-Sent Events response."""
    assert response["Content-Type"].startswith("text/event-stream")
    body = b"".join(response.streaming_content).decode()
    out = []
    for block in body.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(":")]
        if not lines:
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def ask_js(client, question, **fields):
    response = client.post(ASK, {"question": question, **fields}, headers={"Accept": "application/json"})
    assert response.status_code == 201, response.content
    return response.json()


def test_ask_streams_a_cited_answer_that_opens_the_meeting(archive, member_client):
    data = ask_js(member_client, "마케팅 예산은 얼마로 확정됐나요?")
    conversation = Conversation.objects.get(pk=data["conversation"])
    assert conversation.title == "마케팅 예산은 얼마로 확정됐나요?"
    stream = events(member_client.get(data["stream_url"]))
    assert [name for name, _ in stream][-1] == "done"
    assert "2억 원" in "".join(d["text"] for name, d in stream if name == "delta")
    html = stream[-1][1]["html"]
    budget = archive["budget"]
    assert f'href="/meetings/{budget.pk}/?t=5"' in html and 'class="cite"' in html
    answer = ChatMessage.objects.get(pk=stream[-1][1]["message"])
    assert answer.role == "assistant" and answer.citations[0]["meeting_id"] == budget.pk
    assert answer.citations[0]["position"] == 1
    # Opening the stream again does not answer twice.
    assert events(member_client.get(data["stream_url"]))[0][0] == "done"
    assert conversation.messages.count() == 2
    page = member_client.get(reverse("chat:conversation", args=[conversation.pk])).content.decode()
    assert "마케팅 예산은 얼마로 확정됐나요?" in page and f"/meetings/{budget.pk}/?t=5" in page


def test_follow_up_in_the_same_conversation(archive, member_client):
    first = ask_js(member_client, "채용 계획은 언제 논의하나요?")
    events(member_client.get(first["stream_url"]))
    second = ask_js(member_client, "그 계획은?", conversation=first["conversation"])
    assert second["conversation"] == first["conversation"]
    done = events(member_client.get(second["stream_url"]))[-1][1]
    answer = ChatMessage.objects.get(pk=done["message"])
    assert answer.citations and answer.citations[0]["meeting_id"] == archive["budget"].pk


def test_without_javascript_the_answer_is_written_in_the_request(archive, member_client):
    response = member_client.post(ASK, {"question": "신제품 출시일은 언제인가요?"})
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response.url == reverse("chat:conversation", args=[conversation.pk])
    answer = conversation.messages.last()
    assert answer.role == "assistant" and answer.citations[0]["meeting_id"] == archive["launch"].pk


def test_not_found_and_another_organizations_meeting(archive, member_client):
    data = ask_js(member_client, "서버 비밀번호 유출 사고는 언제 일어났나요?")
    stream = events(member_client.get(data["stream_url"]))
    assert NOT_FOUND in stream[-1][1]["html"] and "Searched for:" in stream[-1][1]["html"]
    said = json.dumps(stream, ensure_ascii=False)
    assert "11월 3일" not in said and "새벽" not in said and "보안 사고 대응" not in said  # nor as a near miss
    assert ChatMessage.objects.get(pk=stream[-1][1]["message"]).citations == []


def test_conversations_are_private(archive, member_client, owner_client, outsider_client, member):
    data = ask_js(member_client, "신제품 출시일은 언제인가요?")
    pk = data["conversation"]
    for client in (owner_client, outsider_client):
        assert client.get(reverse("chat:conversation", args=[pk])).status_code == 404
        assert client.get(data["stream_url"]).status_code == 404
        assert client.post(ASK, {"question": "또?", "conversation": pk}).status_code == 404
        assert client.post(reverse("chat:delete", args=[pk])).status_code == 404
        assert "신제품 출시일은 언제인가요?" not in client.get("/chat/").content.decode()
        assert client.get(f"/api/v1/chat/conversations/{pk}/").status_code == 404
        assert client.post(f"/api/v1/chat/conversations/{pk}/messages/", {"question": "또?"}).status_code == 404
    assert "신제품 출시일은 언제인가요?" in member_client.get("/chat/").content.decode()
    member_client.post(reverse("chat:delete", args=[pk]))
    assert not Conversation.objects.filter(pk=pk).exists()


def test_citation_to_a_meeting_hidden_later_is_not_linked(archive, member_client):
    data = ask_js(member_client, "신제품 출시일은 언제인가요?")
    events(member_client.get(data["stream_url"]))
    launch = archive["launch"]
    page = member_client.get(reverse("chat:conversation", args=[data["conversation"]])).content.decode()
    assert f"/meetings/{launch.pk}/?t=0" in page
    type(launch).objects.filter(pk=launch.pk).update(visibility="selected")
    page = member_client.get(reverse("chat:conversation", args=[data["conversation"]])).content.decode()
    assert f"/meetings/{launch.pk}/" not in page and "제품 출시 회의" not in page


def test_meeting_chat_box_answers_from_that_meeting_only(archive, member_client, outsider_client):
    launch = archive["launch"]
    detail = member_client.get(reverse("meetings:detail", args=[launch.pk])).content.decode()
    assert reverse("chat:meeting_box", args=[launch.pk]) in detail
    box = member_client.get(reverse("chat:meeting_box", args=[launch.pk]))
    assert box.status_code == 200 and f'name="meeting" value="{launch.pk}"' in box.content.decode()
    assert outsider_client.get(reverse("chat:meeting_box", args=[launch.pk])).status_code == 404
    assert outsider_client.post(ASK, {"question": "출시일?", "meeting": launch.pk}).status_code == 404
    data = ask_js(member_client, "마케팅 예산은 얼마인가요?", meeting=launch.pk)
    assert Conversation.objects.get(pk=data["conversation"]).meeting == launch
    done = events(member_client.get(data["stream_url"]))[-1][1]
    assert {c["meeting_id"] for c in ChatMessage.objects.get(pk=done["message"]).citations} <= {launch.pk}
    box = member_client.get(reverse("chat:meeting_box", args=[launch.pk])).content.decode()
    assert "마케팅 예산은 얼마인가요?" in box


def test_empty_question_is_refused(archive, member_client):
    response = member_client.post(ASK, {"question": "   "}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json()["error"]
    assert not Conversation.objects.exists()


def test_organization_provider_streams_through_the_page(archive, org, member_client):
    with FakeClova(reply="마케팅 예산은 2억 원입니다 [1]. 그리고 [4].") as fake:
        OrganizationAISettings.objects.create(
            organization=org, provider="hyperclova", base_url=fake.url, api_key=fake.api_key, model="HCX-005"
        )
        data = ask_js(member_client, "마케팅 예산은 얼마인가요?")
        stream = events(member_client.get(data["stream_url"]))
    deltas = [d["text"] for name, d in stream if name == "delta"]
    assert len(deltas) > 5 and "".join(deltas) == "마케팅 예산은 2억 원입니다 [1]. 그리고 [4]."
    answer = ChatMessage.objects.get(pk=stream[-1][1]["message"])
    assert answer.content == "마케팅 예산은 2억 원입니다 [1]. 그리고." and answer.source == "hyperclova"
    assert [c["n"] for c in answer.citations] == [1]


# --- API ----------------------------------------------------------------------------------------


def test_chat_api(archive, member_client, org):
    response = member_client.post("/api/v1/chat/conversations/", {}, content_type="application/json")
    assert response.status_code == 201
    pk = response.json()["id"]
    response = member_client.post(
        f"/api/v1/chat/conversations/{pk}/messages/",
        {"question": "마케팅 예산은 얼마로 확정됐나요?"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["found"] and body["question"]["role"] == "user"
    assert body["answer"]["citations"][0] == {
        "n": 1,
        "meeting_id": archive["budget"].pk,
        "position": 1,
        "start": 5.0,
        "passage_id": body["answer"]["citations"][0]["passage_id"],
    }
    response = member_client.post(
        f"/api/v1/chat/conversations/{pk}/messages/",
        {"question": "신제품 출시일은?"},
        content_type="application/json",
        headers={"Accept": "text/event-stream"},
    )
    stream = events(response)
    assert stream[-1][0] == "done" and stream[-1][1]["citations"][0]["meeting_id"] == archive["launch"].pk
    detail = member_client.get(f"/api/v1/chat/conversations/{pk}/").json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant", "user", "assistant"]
    assert [c["id"] for c in member_client.get("/api/v1/chat/conversations/").json()] == [pk]
    security = archive["security"]
    response = member_client.post(
        "/api/v1/chat/conversations/", {"meeting": security.pk}, content_type="application/json"
    )
    assert response.status_code == 404
    response = member_client.post(
        f"/api/v1/chat/conversations/{pk}/messages/", {"question": ""}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "empty"
    assert member_client.delete(f"/api/v1/chat/conversations/{pk}/").status_code == 204


def test_api_needs_an_organization_when_the_user_has_several(archive, member, other_org):
    Membership.objects.create(user=member, organization=other_org, role=Role.MEMBER)
    client = Client()
    client.force_login(member)
    response = client.post("/api/v1/chat/conversations/", {}, content_type="application/json")
    assert response.status_code == 400
    response = client.post(
        "/api/v1/chat/conversations/", {"organization": other_org.pk}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["organization"] == other_org.pk


# --- voice --------------------------------------------------------------------------------------


def files_under(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def post_voice(client, url, clip, callbacks, **fields):
    """Upload a recording and let the queued task run (inline: tests run django-q2 synchronously)."""
    with callbacks(execute=True), clip.open("rb") as audio:
        response = client.post(url, {"audio": audio, **fields}, headers={"Accept": "application/json"})
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["state"] == "queued" and data["voice"]
    return data


def write_noise_wav(path, seconds=3.0, level=0.002):
    import wave

    import numpy as np

    rng = np.random.default_rng(1)
    pcm = (level * rng.standard_normal(int(seconds * 16000)) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(pcm.tobytes())
    return path


@pytest.mark.slow
def test_voice_question_end_to_end(org, member_client, tmp_path, media_root, django_capture_on_commit_callbacks):
    from meetings.chat.tasks import transcribe_voice_question

    meeting = make_meeting(org, "Weekly planning", ENGLISH, language="en")
    clip = espeak_wav(tmp_path / "question.wav", "What did we decide about the budget?")
    queued = post_voice(member_client, "/chat/voice/", clip, django_capture_on_commit_callbacks, language="en")
    assert queued["status_url"] == reverse("chat:voice_status", args=[queued["voice"]])
    data = member_client.get(queued["status_url"]).json()
    assert data["state"] == "done" and data["error"] == "", data
    assert "budget" in data["question"].lower() and data["text"] == data["question"]
    assert data["conversation_url"] == reverse("chat:conversation", args=[data["conversation"]])
    question = ChatMessage.objects.get(pk=data["message"])
    assert question.source == "voice" and question.role == "user"
    voice = VoiceQuestion.objects.get(pk=queued["voice"])
    assert voice.question == question and voice.finished_at and not voice.audio
    assert files_under(media_root / "voice") == []  # the recording is not kept
    done = events(member_client.get(data["stream_url"]))[-1][1]
    answer = ChatMessage.objects.get(pk=done["message"])
    assert answer.citations, (data["question"], answer.content)
    assert (answer.citations[0]["meeting_id"], answer.citations[0]["position"]) == (meeting.pk, 1)
    assert "fifty thousand" in answer.content
    # Delivered again (a broker redelivery): nothing changes.
    assert transcribe_voice_question(voice.pk) == "done"
    assert list(question.conversation.messages.values_list("pk", flat=True)) == [question.pk, answer.pk]

    # The API takes the same recording, into the same conversation.
    pk = data["conversation"]
    url = f"/api/v1/chat/conversations/{pk}/voice/"
    queued = post_voice(member_client, url, clip, django_capture_on_commit_callbacks)
    assert queued["status_url"] == f"/api/v1/chat/voice/{queued['voice']}/"
    status = member_client.get(queued["status_url"]).json()
    assert status["state"] == "done" and status["conversation"] == pk
    assert status["question"]["source"] == "voice" and "budget" in status["question"]["content"].lower()
    message_pk = status["question"]["id"]
    assert status["answer_url"] == f"/api/v1/chat/conversations/{pk}/messages/{message_pk}/answer/"
    assert files_under(media_root / "voice") == []
    stream = events(member_client.get(status["answer_url"], headers={"Accept": "text/event-stream"}))
    assert [name for name, _ in stream][-1] == "done" and any(name == "delta" for name, _ in stream)
    saved = stream[-1][1]
    assert saved["citations"][0]["meeting_id"] == meeting.pk
    body = member_client.post(status["answer_url"], {}, content_type="application/json")
    assert body.status_code == 200 and body.json()["answer"]["id"] == saved["id"] and body.json()["found"]
    assert ChatMessage.objects.filter(conversation_id=pk).count() == 4


@pytest.mark.slow
def test_a_recording_without_speech_fails_plainly_and_leaves_nothing(
    org, member_client, tmp_path, media_root, django_capture_on_commit_callbacks
):
    clip = write_noise_wav(tmp_path / "noise.wav")
    queued = post_voice(member_client, "/chat/voice/", clip, django_capture_on_commit_callbacks)
    data = member_client.get(queued["status_url"]).json()
    assert data == {
        "voice": queued["voice"],
        "state": "failed",
        "text": "",
        "error": "No speech was recognised in the recording.",
    }
    assert not ChatMessage.objects.exists()
    assert files_under(media_root / "voice") == []
    assert not VoiceQuestion.objects.get(pk=queued["voice"]).audio


def test_an_unreadable_recording_fails_with_a_plain_error(
    org, member_client, tmp_path, media_root, django_capture_on_commit_callbacks
):
    from meetings.chat.tasks import transcribe_voice_question

    clip = tmp_path / "question.webm"
    clip.write_bytes(b"this is not audio at all" * 40)
    queued = post_voice(member_client, "/chat/voice/", clip, django_capture_on_commit_callbacks, language="auto")
    data = member_client.get(queued["status_url"]).json()
    assert data["state"] == "failed" and data["error"].startswith("This file is not audio or video that can be read")
    assert "stream_url" not in data and not ChatMessage.objects.exists()
    assert files_under(media_root / "voice") == []
    voice = VoiceQuestion.objects.get(pk=queued["voice"])
    assert voice.finished_at and voice.error == data["error"]
    # Delivered again: still the same failure, nothing added.
    assert transcribe_voice_question(voice.pk) == "failed"
    voice.refresh_from_db()
    assert voice.state == "failed" and not ChatMessage.objects.exists()


def test_a_recording_over_a_minute_is_refused_by_the_worker(
    org, member_client, tmp_path, media_root, django_capture_on_commit_callbacks
):
    clip = write_noise_wav(tmp_path / "long.wav", seconds=61)
    queued = post_voice(member_client, "/chat/voice/", clip, django_capture_on_commit_callbacks)
    data = member_client.get(queued["status_url"]).json()
    assert data["state"] == "failed" and data["error"] == "A spoken question can be at most 60 seconds long."
    assert files_under(media_root / "voice") == [] and not ChatMessage.objects.exists()


def test_a_task_found_running_starts_over(org, member, member_client, tmp_path, media_root):
    """Its worker died mid-way: the redelivered task runs it again and still deletes the recording."""
    from django.core.files import File

    from meetings.chat.services import start_conversation
    from meetings.chat.tasks import transcribe_voice_question

    conversation = start_conversation(member, org)
    voice = VoiceQuestion(conversation=conversation, user=member, state="running")
    with write_noise_wav(tmp_path / "long.wav", seconds=61).open("rb") as handle:
        voice.audio.save("question.wav", File(handle), save=True)
    assert len(files_under(media_root / "voice")) == 1
    assert transcribe_voice_question(voice.pk) == "failed"
    assert files_under(media_root / "voice") == []
    assert transcribe_voice_question(10**9) == "missing"


def test_voice_is_queued_on_the_speech_queue(
    org, member_client, tmp_path, media_root, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django_q.conf import Conf
    from django_q.models import OrmQ

    settings.GPU_CLUSTER_NAME = "gpu"
    clip = write_noise_wav(tmp_path / "q.wav", seconds=1)
    monkeypatch.setattr(Conf, "SYNC", False)  # queue through the ORM broker, as production does
    with django_capture_on_commit_callbacks(execute=False) as callbacks, clip.open("rb") as audio:
        response = member_client.post("/chat/voice/", {"audio": audio}, headers={"Accept": "application/json"})
    assert response.status_code == 202 and len(callbacks) == 1
    assert not OrmQ.objects.exists()  # nothing is queued before the upload is committed
    callbacks[0]()
    assert list(OrmQ.objects.values_list("key", flat=True)) == ["gpu"]
    voice = VoiceQuestion.objects.get(pk=response.json()["voice"])
    assert voice.state == "queued" and voice.audio.name.startswith("voice/")
    data = member_client.get(response.json()["status_url"]).json()
    assert data == {"voice": voice.pk, "state": "queued", "text": "", "error": ""}
    # Deleting the conversation before a worker gets to it takes the recording along.
    assert files_under(media_root / "voice")
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(reverse("chat:delete", args=[voice.conversation_id]))
    assert not VoiceQuestion.objects.exists() and files_under(media_root / "voice") == []


def test_voice_status_is_the_askers_alone(
    org, member_client, owner_client, outsider_client, tmp_path, django_capture_on_commit_callbacks
):
    clip = tmp_path / "question.webm"
    clip.write_bytes(b"not audio" * 100)
    web = post_voice(member_client, "/chat/voice/", clip, django_capture_on_commit_callbacks)
    pk = VoiceQuestion.objects.get(pk=web["voice"]).conversation_id
    api = post_voice(member_client, f"/api/v1/chat/conversations/{pk}/voice/", clip, django_capture_on_commit_callbacks)
    for voice in (web["voice"], api["voice"]):
        assert member_client.get(f"/chat/voice/{voice}/").status_code == 200
        assert member_client.get(f"/api/v1/chat/voice/{voice}/").status_code == 200
        for client in (owner_client, outsider_client):  # another user of the organization, another organization
            assert client.get(f"/chat/voice/{voice}/").status_code == 404
            assert client.get(f"/api/v1/chat/voice/{voice}/").status_code == 404
    with clip.open("rb") as audio:
        response = outsider_client.post(f"/api/v1/chat/conversations/{pk}/voice/", {"audio": audio})
    assert response.status_code == 404 and VoiceQuestion.objects.count() == 2


def test_voice_without_a_recording_is_refused(org, member_client):
    response = member_client.post("/chat/voice/", {"question": "x"}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json()["error"]
    assert not Conversation.objects.exists() and not VoiceQuestion.objects.exists()


def test_voice_too_large_or_in_an_unknown_language_is_refused(org, member_client, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("q.webm", b"\0" * (10 * 1024 * 1024 + 1), content_type="audio/webm")
    response = member_client.post("/chat/voice/", {"audio": big}, headers={"Accept": "application/json"})
    assert response.status_code == 413 and response.json()["error"] == "The recording is too large."
    clip = SimpleUploadedFile("q.webm", b"x" * 100, content_type="audio/webm")
    response = member_client.post(
        "/chat/voice/", {"audio": clip, "language": "../etc"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    pk = member_client.post("/api/v1/chat/conversations/", {}, content_type="application/json").json()["id"]
    big.seek(0)
    response = member_client.post(f"/api/v1/chat/conversations/{pk}/voice/", {"audio": big})
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    response = member_client.post(f"/api/v1/chat/conversations/{pk}/voice/", {})
    assert response.status_code == 400 and response.json()["code"] == "no_audio"
    assert not VoiceQuestion.objects.exists() and files_under(media_root / "voice") == []


def test_api_answer_to_an_existing_question(archive, member_client, owner_client, outsider_client):
    first = ask_js(member_client, "마케팅 예산은 얼마로 확정됐나요?")  # saved, not answered yet
    pk = first["conversation"]
    url = f"/api/v1/chat/conversations/{pk}/messages/{first['message']}/answer/"
    response = member_client.post(url, {}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["found"] and body["question"]["id"] == first["message"]
    assert body["answer"]["citations"][0]["meeting_id"] == archive["budget"].pk
    again = member_client.get(url)
    assert again.status_code == 200 and again.json()["answer"]["id"] == body["answer"]["id"]
    stream = events(member_client.get(url, headers={"Accept": "text/event-stream"}))
    assert stream == [("done", body["answer"])]
    second = ask_js(member_client, "신제품 출시일은 언제인가요?", conversation=pk)
    url = f"/api/v1/chat/conversations/{pk}/messages/{second['message']}/answer/"
    stream = events(
        member_client.post(url, {}, content_type="application/json", headers={"Accept": "text/event-stream"})
    )
    assert [name for name, _ in stream][-1] == "done" and any(name == "delta" for name, _ in stream)
    assert stream[-1][1]["citations"][0]["meeting_id"] == archive["launch"].pk
    assert ChatMessage.objects.filter(conversation_id=pk).count() == 4
    answer_pk = stream[-1][1]["id"]
    assert member_client.get(f"/api/v1/chat/conversations/{pk}/messages/{answer_pk}/answer/").status_code == 404
    response = member_client.post(url, {"provider": "nonesuch"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "unknown_provider"
    assert member_client.post(url, {"provider": "offline"}).status_code == 415  # API bodies are JSON
    for client in (owner_client, outsider_client):
        assert client.get(url).status_code == 404 and client.post(url, {}).status_code == 404
    assert ChatMessage.objects.filter(conversation_id=pk).count() == 4


def test_an_earlier_question_answered_after_a_later_one_keeps_its_own_answer(archive, member_client):
    first = ask_js(member_client, "마케팅 예산은 얼마로 확정됐나요?")
    pk = first["conversation"]
    second = ask_js(member_client, "신제품 출시일은 언제인가요?", conversation=pk)
    events(member_client.get(second["stream_url"]))  # the later question is answered first
    url = f"/api/v1/chat/conversations/{pk}/messages/{first['message']}/answer/"
    answer = member_client.post(url, {}, content_type="application/json").json()["answer"]
    assert answer["citations"][0]["meeting_id"] == archive["budget"].pk
    for _ in range(2):  # asked for again: the same answer, never a new one
        assert member_client.get(url).json()["answer"]["id"] == answer["id"]
        done = events(member_client.get(first["stream_url"]))[-1][1]
        assert done["message"] == answer["id"]
    assert ChatMessage.objects.filter(conversation_id=pk, role="assistant").count() == 2
    assert ChatMessage.objects.get(pk=answer["id"]).reply_to_id == first["message"]


def test_the_conversation_list_alone_for_the_chat_page_to_refresh(archive, member_client, owner_client):
    asked = ask_js(member_client, "마케팅 예산은 얼마로 확정됐나요?")
    events(member_client.get(asked["stream_url"]))
    url = asked["conversation_url"] + "?part=conversations"
    html = member_client.get(url).content.decode()
    assert html.lstrip().startswith('<aside class="chat-list card" id="chat-list">')
    assert f'href="/chat/{asked["conversation"]}/"' in html and "<form" not in html
    assert owner_client.get(url).status_code == 404  # another user's conversation


# --- answer rate limit --------------------------------------------------------------------------

TOO_MANY = "Too many requests. Try again in a little while."


def test_writing_answers_is_rate_limited_on_every_route_and_saved_answers_are_free(
    archive, org, member_client, owner_client, settings
):
    # Fixed windows: one that no test run crosses, so the second answer is always in the same one.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat": "100/1000d", "chat_answer": "1/1000d"}
    with FakeClova(reply="마케팅 예산은 2억 원입니다 [1].") as fake:
        OrganizationAISettings.objects.create(
            organization=org, provider="hyperclova", base_url=fake.url, api_key=fake.api_key, model="HCX-005"
        )
        first = ask_js(member_client, "마케팅 예산은 얼마로 확정됐나요?")  # saved only: nothing written yet
        pk = first["conversation"]
        second = ask_js(member_client, "신제품 출시일은 언제인가요?", conversation=pk)
        answer_url = "/api/v1/chat/conversations/{}/messages/{}/answer/".format
        response = member_client.post(answer_url(pk, first["message"]), {}, content_type="application/json")
        assert response.status_code == 201, response.content
        answer_id = response.json()["answer"]["id"]
        calls = fake.attempts
        assert calls >= 1
        # The saved answer, read again by every route, is neither written again nor counted.
        for _ in range(3):
            again = member_client.get(answer_url(pk, first["message"]))
            assert again.status_code == 200 and again.json()["answer"]["id"] == answer_id
        sse = member_client.get(answer_url(pk, first["message"]), headers={"Accept": "text/event-stream"})
        assert [name for name, _ in events(sse)] == ["done"]
        assert events(member_client.get(first["stream_url"]))[0][1]["message"] == answer_id

        # Past the limit nothing more is written, whichever route asks.
        refused = member_client.post(answer_url(pk, second["message"]), {}, content_type="application/json")
        assert refused.status_code == 429
        assert refused.json() == {"code": "rate_limited", "detail": TOO_MANY, "error": TOO_MANY}
        assert int(refused["Retry-After"]) >= 1
        refused = member_client.get(answer_url(pk, second["message"]), headers={"Accept": "text/event-stream"})
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        stream = events(member_client.get(second["stream_url"]))  # the page's EventSource shows the message
        assert [name for name, _ in stream] == ["error"] and stream[0][1]["message"] == TOO_MANY
        assert stream[0][1]["retry_after"] >= 1
        # Asking where the answer is written in the same request: refused before the question is saved.
        refused = member_client.post(
            f"/api/v1/chat/conversations/{pk}/messages/",
            {"question": "베타 테스트 인원은?"},
            content_type="application/json",
        )
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        refused = member_client.post(ASK, {"question": "베타 테스트 인원은?", "conversation": pk})  # no JavaScript
        assert refused.status_code == 429 and refused.content.decode() == TOO_MANY
        assert fake.attempts == calls
        assert ChatMessage.objects.filter(role="assistant").count() == 1
        assert not ChatMessage.objects.filter(content="베타 테스트 인원은?").exists()
        # Saving a question for the page to stream is still allowed (the "chat" limit), and so is
        # another user's answer: the limit is per person.
        assert ask_js(member_client, "베타 테스트 인원은?", conversation=pk)["message"]
        theirs = ask_js(owner_client, "마케팅 예산은 얼마로 확정됐나요?")
        assert events(owner_client.get(theirs["stream_url"]))[-1][0] == "done"
        assert fake.attempts > calls
