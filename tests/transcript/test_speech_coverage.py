"""Transcripts account for all speech: stretches without text become gaps with their speaker and reason,
uncertain text is kept and marked, quiet recordings are levelled, and the gaps show on the page, in the
API and in every export. No speech model is loaded here (tests/engines/test_speech.py runs the real ones)."""

import json

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from ai_pipeline.align import relabel
from ai_pipeline.audio import TARGET_SPEECH_DBFS, normalise_level, speech_level_dbfs
from ai_pipeline.coverage import (
    MIN_GAP,
    coverage_summary,
    find_gaps,
    mark_low_confidence,
    subtract,
    untranscribed,
)
from ai_pipeline.stt import DroppedText

# --- gaps as plain data -------------------------------------------------------------------------


def test_speech_without_a_segment_becomes_gaps_split_where_the_speaker_changes():
    speech = [(0.0, 30.0)]
    segments = [{"start": 0.5, "end": 9.8, "speaker": "A"}]
    turns = [(0.0, 10.0, "A"), (10.0, 18.0, "B"), (18.5, 30.0, "A")]
    gaps = find_gaps(speech, segments, turns)
    assert [(g["start"], g["end"], g["speaker"]) for g in gaps] == [(9.8, 18.5, "B"), (18.5, 30.0, "A")]
    assert {g["reason"] for g in gaps} == {"not_recognised"}


def test_a_gap_says_which_guard_removed_its_text():
    dropped = [DroppedText(12.0, 16.0, "repetition", "감사합니다 감사합니다 감사합니다")]
    gaps = find_gaps([(10.0, 20.0)], [], [(10.0, 20.0, "A")], dropped)
    assert [(g["start"], g["end"], g["reason"]) for g in gaps] == [(10.0, 20.0, "repetition")]


def test_slivers_between_words_and_vad_padding_are_not_gaps():
    speech = [(0.0, 5.0), (7.0, 7.6)]
    segments = [{"start": 0.3, "end": 4.6, "speaker": "A"}]
    assert find_gaps(speech, segments, [(0.0, 8.0, "A")]) == []
    assert MIN_GAP > 0.6


def test_coverage_is_transcribed_speech_over_detected_speech():
    summary = coverage_summary([(0.0, 60.0), (70.0, 90.0)], [{"start": 30.0, "end": 60.0}])
    assert summary == {
        "speech_seconds": 80.0,
        "transcribed_seconds": 50.0,
        "gap_seconds": 30.0,
        "gaps": 1,
        "coverage": 0.625,
    }
    assert coverage_summary([], [])["coverage"] == 1.0


def test_stretches_worth_decoding_again_are_speech_far_from_every_word():
    speech = [(0.0, 10.0)]
    words = [{"w": " 네", "s": 0.2, "e": 0.6}, {"w": " 좋습니다", "s": 0.7, "e": 1.5}]
    assert untranscribed(speech, words) == [(1.8, 10.0)]
    assert subtract([(0.0, 4.0)], [(1.0, 2.0), (1.5, 3.0)]) == [(0.0, 1.0), (3.0, 4.0)]


def test_a_speaker_heard_only_in_gaps_still_gets_a_label():
    segments = [{"start": 5.0, "end": 6.0, "speaker": "spk_b"}]
    gaps = [{"start": 0.0, "end": 4.0, "speaker": "spk_a"}]
    relabel(segments, gaps)
    assert gaps[0]["speaker"] == "S1" and segments[0]["speaker"] == "S2"


def test_low_confidence_is_marked_not_removed():
    segments = mark_low_confidence([{"text": "가", "confidence": 0.31}, {"text": "나", "confidence": 0.92}], 0.5)
    assert [s["low_confidence"] for s in segments] == [True, False]


# --- level ------------------------------------------------------------------------------------


def speechlike(level, seconds=3.0):
    rng = np.random.default_rng(3)
    t = np.arange(int(seconds * 16000)) / 16000
    envelope = (np.sin(2 * np.pi * 3 * t) > 0).astype(np.float32)  # bursts and pauses, like syllables
    return (level * envelope * np.sin(2 * np.pi * 220 * t) + 0.0005 * rng.standard_normal(t.size)).astype(np.float32)


def test_a_quiet_recording_is_raised_to_the_speech_level_without_clipping():
    quiet = speechlike(0.005)
    louder, gain = normalise_level(quiet)
    assert gain > 20
    assert abs(speech_level_dbfs(louder) - TARGET_SPEECH_DBFS) < 1.0
    assert np.max(np.abs(louder)) < 1.0


def test_a_recording_at_a_normal_level_or_silence_is_left_alone():
    normal = speechlike(0.3)
    same, gain = normalise_level(normal)
    assert gain == 0.0 and same is normal
    silence = np.zeros(16000, dtype=np.float32)
    assert normalise_level(silence)[1] == 0.0


def test_a_loud_click_limits_the_gain_so_nothing_clips():
    quiet = speechlike(0.005)
    quiet[100] = 0.5
    louder, gain = normalise_level(quiet)
    assert np.max(np.abs(louder)) <= 0.99
    assert 0 < gain < 6.1


# --- saved, shown, exported -------------------------------------------------------------------


@pytest.fixture
def meeting(org, owner):
    from meetings import services
    from tests.support import factories

    meeting = services.create_meeting(org, owner, title="예산 회의", held_at=timezone.now())
    factories.recording(meeting, 60)
    return meeting


def words(text, start, end, p=0.9):
    parts = text.split()
    step = (end - start) / len(parts)
    return [{"w": " " + w, "s": start + i * step, "e": start + (i + 1) * step, "p": p} for i, w in enumerate(parts)]


def saved_transcript(meeting):
    from meetings.models import Job, JobState
    from meetings.transcript.store import save_transcript

    segments = [
        {"speaker": "S1", "start": 0.0, "end": 9.0, "text": "예산안을 검토하겠습니다", "confidence": 0.9},
        {"speaker": "S2", "start": 40.0, "end": 44.0, "text": "출시는 목요일입니다", "confidence": 0.3},
    ]
    for segment in segments:
        segment["words"] = words(segment["text"], segment["start"], segment["end"], segment["confidence"])
    gaps = [
        {"speaker": "S2", "start": 10.0, "end": 34.0, "reason": "not_recognised"},
        {"speaker": "S3", "start": 45.0, "end": 50.0, "reason": "repetition"},
    ]
    save_transcript(meeting, segments, gaps)
    job = Job.objects.create(meeting=meeting, kind="process", state=JobState.DONE, finished_at=timezone.now())
    job.record_summary({**coverage_summary([(0.0, 50.0)], gaps), "low_confidence_segments": 1, "level_gain_db": 0})
    return job


@pytest.mark.django_db
def test_gaps_are_saved_with_their_speakers_and_count_as_talk_time(meeting):
    from meetings.transcript import services

    saved_transcript(meeting)
    speakers = {s.label: s for s in services.speakers_of(meeting)}
    assert set(speakers) == {"S1", "S2", "S3"}  # S3 said nothing that was recognised, but was heard
    gaps = services.gaps_of(meeting)
    assert [(g.speaker.label, g.start, g.end, g.reason) for g in gaps] == [
        ("S2", 10.0, 34.0, "not_recognised"),
        ("S3", 45.0, 50.0, "repetition"),
    ]
    talk = {
        speaker.label: seconds
        for speaker, seconds, _ in services.talk_times(list(speakers.values()), services.segments_of(meeting), gaps)
    }
    assert talk == {"S1": 9.0, "S2": 28.0, "S3": 5.0}


@pytest.mark.django_db
def test_saving_again_replaces_gaps_and_keeps_names(meeting):
    from meetings.transcript import services
    from meetings.transcript.store import save_transcript

    saved_transcript(meeting)
    speaker = next(s for s in services.speakers_of(meeting) if s.label == "S3")
    services.rename_speaker(speaker, "Carla")
    # the same voice comes back as another engine label: the gap's overlap keeps the name
    save_transcript(meeting, [], [{"speaker": "S9", "start": 45.0, "end": 50.0, "reason": "not_recognised"}])
    gaps = services.gaps_of(meeting)
    assert len(gaps) == 1 and gaps[0].speaker.display_name == "Carla"
    assert services.segments_of(meeting) == []


@pytest.mark.django_db
def test_merging_speakers_moves_their_gaps_too(meeting):
    from meetings.transcript import services

    saved_transcript(meeting)
    speakers = {s.label: s for s in services.speakers_of(meeting)}
    services.merge_speakers(speakers["S3"], speakers["S2"])
    assert {g.speaker.label for g in services.gaps_of(meeting)} == {"S2"}


@pytest.mark.django_db
def test_api_transcript_lists_gaps_coverage_and_low_confidence(meeting, owner_client):
    saved_transcript(meeting)
    data = owner_client.get(f"/api/v1/meetings/{meeting.pk}/transcript/").json()
    assert [(g["speaker"], g["start"], g["end"], g["reason"]) for g in data["gaps"]] == [
        ("S2", 10.0, 34.0, "not_recognised"),
        ("S3", 45.0, 50.0, "repetition"),
    ]
    assert data["gaps"][0]["reason_text"]
    assert data["coverage"]["coverage"] == pytest.approx(21 / 50, abs=0.001)
    assert data["coverage"]["gap_seconds"] == 29.0
    assert [s["low_confidence"] for s in data["segments"]] == [False, True]


@pytest.mark.django_db
def test_editing_low_confidence_text_clears_the_mark(meeting):
    from meetings.transcript import services

    saved_transcript(meeting)
    unsure = services.segments_of(meeting)[1]
    assert unsure.is_low_confidence
    services.edit_segment(unsure, "출시는 목요일입니다.")
    assert not services.get_segment(meeting, unsure.pk).is_low_confidence


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["txt", "srt", "vtt", "md"])
def test_every_text_export_shows_the_gap_where_it_happened_and_marks_unsure_text(meeting, owner_client, fmt):
    saved_transcript(meeting)
    response = owner_client.get(reverse("transcript:export", args=[meeting.pk, fmt]))
    text = response.content.decode()
    first, gap, unsure = text.index("예산안을"), text.index("0:24"), text.index("출시는")
    assert first < gap < unsure  # in time order: the 24 s gap sits between the two lines
    assert "(?) 출시는" in text.replace("\\(?\\)", "(?)")
    assert "(?) 예산안을" not in text


@pytest.mark.django_db
def test_json_export_carries_gaps_and_coverage(meeting, owner_client):
    saved_transcript(meeting)
    response = owner_client.get(reverse("transcript:export", args=[meeting.pk, "json"]))
    data = json.loads(response.content)
    assert len(data["gaps"]) == 2 and data["coverage"]["gaps"] == 2


@pytest.mark.django_db
def test_docx_export_includes_the_gap(meeting, owner_client):
    import io

    from docx import Document

    saved_transcript(meeting)
    response = owner_client.get(reverse("transcript:export", args=[meeting.pk, "docx"]))
    paragraphs = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert any("0:24" in p and "S2" in p for p in paragraphs)


@pytest.mark.django_db
def test_meeting_page_shows_gap_rows_the_coverage_notice_and_the_job_summary(meeting, owner_client):
    saved_transcript(meeting)
    html = owner_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert html.count('class="segment gap"') == 2
    assert 'data-seek="10.0"' in html  # the gap row plays from where the lost speech starts
    assert "0:29 of speech has no text" in html and "42%" in html
    assert "0:29 of speech was not transcribed" in html
    assert "segment low-confidence" in html
    assert html.count("timeline-block gap") == 2


@pytest.mark.django_db
def test_meeting_page_in_korean_names_the_gap(meeting, owner_client, settings):
    settings.LANGUAGE_CODE = "ko"
    saved_transcript(meeting)
    html = owner_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "음성은 감지되었으나 인식되지 않음" in html and "텍스트 없는 음성" in html


@pytest.mark.django_db
def test_job_summary_is_in_the_jobs_api(meeting, owner_client):
    job = saved_transcript(meeting)
    data = owner_client.get(f"/api/v1/meetings/{meeting.pk}/jobs/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert next(row for row in rows if row["id"] == job.pk)["summary"]["gap_seconds"] == 29.0


@pytest.mark.django_db
def test_the_guest_share_page_shows_gaps_and_unsure_text_in_time_order(meeting, owner, client):
    from meetings.conference.sharing import create_share_link

    saved_transcript(meeting)
    link = create_share_link(meeting, owner, days=7)
    page = client.get(f"/s/{link.token}/").content.decode()
    first, gap, unsure = page.index("예산안을"), page.index('class="segment gap"'), page.index("출시는")
    assert first < gap < unsure
    assert page.count('class="segment gap"') == 2
    assert "segment low-confidence" in page
