"""Recordings of spoken questions no speech worker transcribed are deleted after VOICE_CLIP_MAX_AGE by an
hourly django-q2 schedule (or `manage.py expire_voice_questions`): those still waiting show `expired`
through both status URLs, failed ones stay failed, fresh and done ones are left alone."""

import datetime
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from meetings.chat.services import add_question, start_conversation
from meetings.chat.tasks import transcribe_voice_question
from meetings.models import ChatMessage, VoiceQuestion
from meetings.recordings import retention, short_audio

EXPIRED = "The recording waited too long to be transcribed and was deleted. Please ask again."


def clips(media_root):
    folder = media_root / "voice"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def voice_question(conversation, hours_ago, state="queued", with_clip=True, **fields):
    voice = VoiceQuestion(conversation=conversation, user=conversation.user, state=state, **fields)
    if with_clip:
        voice.audio.save("question.webm", ContentFile(b"\x1a\x45\xdf\xa3 not really audio"), save=False)
    voice.save()
    VoiceQuestion.objects.filter(pk=voice.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )  # auto_now_add ignores a value given on create
    voice.refresh_from_db()
    return voice


@pytest.fixture
def voices(org, member):
    conversation = start_conversation(member, org)
    done_question = add_question(conversation, "예산은 얼마인가요?", source="voice")
    done = voice_question(conversation, 48, with_clip=False)
    done.mark_done(done_question)
    return {
        "old": voice_question(conversation, 25),
        "running": voice_question(conversation, 30, state="running"),
        "failed": voice_question(conversation, 26, state="failed", error="No speech was recognised."),
        "fresh": voice_question(conversation, 2),
        "done": done,
    }


def test_old_waiting_recordings_are_deleted_and_shown_expired(voices, member_client, media_root, settings):
    settings.VOICE_CLIP_MAX_AGE = 24 * 3600
    before = clips(media_root)
    assert len(before) == 4
    fresh_clip = voices["fresh"].audio.name
    done_finished = voices["done"].finished_at

    result = short_audio.expire(VoiceQuestion)

    assert result.expired == [voices["old"].pk, voices["running"].pk]
    assert len(result.clips) == 3 and fresh_clip not in result.clips
    assert clips(media_root) == [fresh_clip.removeprefix("voice/")]
    for name in ("old", "running"):
        voice = VoiceQuestion.objects.get(pk=voices[name].pk)
        assert voice.state == "expired" and not voice.audio and voice.finished_at
        for url in (f"/chat/voice/{voice.pk}/", f"/api/v1/chat/voice/{voice.pk}/"):
            data = member_client.get(url).json()
            assert data["state"] == "expired" and data["error"] == EXPIRED and data["text"] == ""
            assert "stream_url" not in data and data.get("answer_url", "") == ""
    failed = VoiceQuestion.objects.get(pk=voices["failed"].pk)
    assert failed.state == "failed" and failed.error == "No speech was recognised." and not failed.audio
    fresh = VoiceQuestion.objects.get(pk=voices["fresh"].pk)
    assert fresh.state == "queued" and fresh.audio.name == fresh_clip
    done = VoiceQuestion.objects.get(pk=voices["done"].pk)
    assert (done.state, done.text, done.finished_at) == ("done", "예산은 얼마인가요?", done_finished)
    data = member_client.get(f"/api/v1/chat/voice/{done.pk}/").json()
    assert data["state"] == "done" and data["question"]["content"] == "예산은 얼마인가요?"

    # A worker that gets to an expired one at last leaves it alone; a second sweep finds nothing.
    assert transcribe_voice_question(voices["old"].pk) == "expired"
    assert ChatMessage.objects.count() == 1
    again = short_audio.expire(VoiceQuestion)
    assert again.expired == [] and again.clips == []


def test_the_max_age_is_a_setting(voices, media_root, settings):
    settings.VOICE_CLIP_MAX_AGE = 72 * 3600
    result = short_audio.expire(VoiceQuestion)
    assert result.expired == [] and result.clips == [] and len(clips(media_root)) == 4
    settings.VOICE_CLIP_MAX_AGE = 3600
    assert short_audio.expire(VoiceQuestion).expired == [voices["old"].pk, voices["running"].pk, voices["fresh"].pk]
    assert clips(media_root) == []


def test_the_command_and_its_dry_run(voices, media_root):
    out = StringIO()
    call_command("expire_voice_questions", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        "Would expire 2 voice questions and delete 3 recordings.",
        "Would expire 0 voice samples and delete 0 recordings.",
    ]
    assert len(clips(media_root)) == 4 and not VoiceQuestion.objects.filter(state="expired").exists()
    out = StringIO()
    call_command("expire_voice_questions", stdout=out)
    assert out.getvalue().splitlines() == [
        "Expired 2 voice questions, deleted 3 recordings.",
        "Expired 0 voice samples, deleted 0 recordings.",
    ]
    assert len(clips(media_root)) == 1


def test_setup_schedules_creates_the_hourly_sweep_once(voices, media_root):
    call_command("setup_schedules", stdout=StringIO())
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    assert "Kept schedule 'nexochat-voice-expiry'" in out.getvalue()
    schedule = Schedule.objects.get(name=short_audio.SCHEDULE_NAME)
    assert Schedule.objects.filter(func=short_audio.SCHEDULE_FUNC).count() == 1
    assert Schedule.objects.filter(name=retention.SCHEDULE_NAME).count() == 1
    assert schedule.schedule_type == Schedule.HOURLY and schedule.repeats == -1 and schedule.next_run > timezone.now()
    # what the cluster will call
    from django.utils.module_loading import import_string

    assert import_string(schedule.func)() == 3 and len(clips(media_root)) == 1
