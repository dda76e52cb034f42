"""The speech pipeline's pure parts: hallucination guards, alignment, packing windows,
speaker limits, and saving a transcript (idempotent, names kept). No models are loaded."""

import pytest

from ai_pipeline.align import assign_speakers, build_segments, relabel
from ai_pipeline.diarization.base import limit_speakers, merge_adjacent
from ai_pipeline.stages import speech_stages
from ai_pipeline.stt.base import SttSegment, Word
from ai_pipeline.stt.guards import clean_segments, collapse_repetition, compression_ratio, is_phantom
from ai_pipeline.stt.transformers_engine import windows


def seg(text, start=0.0, end=2.0, no_speech=0.0, logprob=-0.2, words=None):
    return SttSegment(start, end, text, words or [], avg_logprob=logprob, no_speech_prob=no_speech)


# --- guards -----------------------------------------------------------------------------------


def test_phantom_phrases_are_recognised_whatever_the_spacing_and_punctuation():
    assert is_phantom("시청해주셔서 감사합니다.")
    assert is_phantom(" 구독과 좋아요 부탁드립니다!")
    assert is_phantom("Thanks for watching!")
    assert not is_phantom("예산 심의를 시작하겠습니다.")


def test_phantom_line_over_silence_is_dropped_but_real_speech_is_kept():
    speech = [(0.0, 10.0)]
    kept, dropped = clean_segments(
        [seg("회의를 시작하겠습니다.", 0, 3), seg("시청해주셔서 감사합니다.", 20, 23)], speech_regions=speech
    )
    assert [s.text for s in kept] == ["회의를 시작하겠습니다."]
    assert [(d.reason, d.text, d.start, d.end) for d in dropped] == [("phantom", "시청해주셔서 감사합니다.", 20, 23)]
    # said inside clear speech, it stays (someone may really say it)
    kept, _ = clean_segments([seg("시청해주셔서 감사합니다.", 1, 3)], speech_regions=speech)
    assert len(kept) == 1


def test_segment_the_model_marks_as_no_speech_is_dropped_where_the_vad_heard_little_speech():
    speech = [(1.8, 6.0)]  # the VAD heard speech only at the very end of the first segment
    kept, dropped = clean_segments(
        [seg("음", 0, 2, no_speech=0.9, logprob=-1.5), seg("네 맞습니다", 2, 4, no_speech=0.1)], speech_regions=speech
    )
    assert [s.text for s in kept] == ["네 맞습니다"]
    assert dropped[0].reason == "no_speech"


def test_uncertain_text_over_detected_speech_is_kept():
    # A low log-probability is common for real Korean speech on a small model: kept, shown as low confidence.
    kept, dropped = clean_segments(
        [seg("예산안을 심의하겠습니다", 0, 2, no_speech=0.9, logprob=-1.5)], speech_regions=[(0.0, 2.0)]
    )
    assert [s.text for s in kept] == ["예산안을 심의하겠습니다"] and dropped == []


def test_text_outside_every_speech_region_is_dropped():
    kept, dropped = clean_segments([seg("안녕하세요", 30, 32)], speech_regions=[(0.0, 10.0)])
    assert not kept and dropped[0].reason == "outside_speech"


def test_repetition_loop_is_cut_to_one_copy():
    words = (
        [Word(" 네", 0, 0.2)]
        + [Word(" 그렇습니다", i * 0.1, i * 0.1 + 0.1) for i in range(1, 9)]
        + [Word(" 끝", 1, 1.1)]
    )
    kept, looped = collapse_repetition(words)
    assert looped and [w.text for w in kept] == [" 네", " 그렇습니다", " 끝"]
    phrase = [Word(t, 0, 0) for t in (" a", " b", " c") * 5]
    assert [w.text for w in collapse_repetition(phrase)[0]] == [" a", " b", " c"]
    assert not collapse_repetition([Word(" 하나", 0, 0), Word(" 둘", 0, 0)])[1]


def test_repetition_guard_rewrites_the_segment_text():
    loop = [Word(" 감사합니다", i * 0.3, i * 0.3 + 0.3) for i in range(10)]
    kept, dropped = clean_segments([seg("".join(w.text for w in loop), 0, 3, words=loop)])
    assert kept[0].text == " 감사합니다" and dropped[0].reason == "repetition"
    assert compression_ratio("감사합니다 " * 20) > 2.4 > compression_ratio("예산안 심의를 시작하겠습니다")


def test_repetition_without_word_times_uses_compression_ratio():
    kept, dropped = clean_segments([seg("네 알겠습니다 " * 12)])
    assert kept[0].text == "네 알겠습니다" and dropped[0].reason == "repetition"


# --- alignment --------------------------------------------------------------------------------


def words_at(*spec):
    return [{"w": text, "s": s, "e": e, "p": 0.9} for text, s, e in spec]


def test_each_word_takes_the_speaker_with_the_largest_overlap():
    turns = [(0.0, 1.05, "A"), (1.05, 3.0, "B")]
    words = words_at((" one", 0.1, 0.5), (" two", 0.9, 1.5), (" three", 1.6, 2.0), (" far", 5.0, 5.5))
    assert assign_speakers(words, turns) == ["A", "B", "B", "B"]  # 'far' overlaps nothing: nearest turn
    assert assign_speakers(words, []) == ["S?"] * 4


def test_segments_split_at_speaker_changes_pauses_and_sentence_ends():
    words = words_at(
        (" Hello", 0.0, 0.4),
        (" there.", 0.5, 0.9),
        (" Next", 1.0, 1.3),
        (" one", 1.4, 1.6),
        (" after", 3.0, 3.3),
        (" pause", 3.4, 3.8),
        (" other", 3.9, 4.2),
    )
    segments = relabel(build_segments(words, ["X", "X", "X", "X", "X", "X", "Y"]))
    assert [(s["speaker"], s["text"]) for s in segments] == [
        ("S1", "Hello there."),
        ("S1", "Next one"),
        ("S1", "after pause"),
        ("S2", "other"),
    ]
    assert segments[0]["start"] == 0.0 and segments[0]["end"] == 0.9
    assert segments[0]["confidence"] == pytest.approx(0.9)
    assert [w["w"] for w in segments[2]["words"]] == [" after", " pause"]


def test_transformers_windows_cut_only_in_pauses():
    assert windows([(0, 10), (11, 25), (26, 40)], 40) == [(0, 25), (26, 40)]
    assert windows([(0, 70)], 70) == [(0, 30), (30, 60), (60, 70)]
    assert windows([], 12.5) == [(0.0, 12.5)]


def test_speaker_limit_merges_the_closest_voices():
    turns = [(0, 1, "a"), (1, 2, "b"), (2, 3, "c")]
    centroids = {"a": [1.0, 0.0], "b": [0.9, 0.1], "c": [0.0, 1.0]}
    merged = limit_speakers(turns, centroids, 2)
    assert merged[0][2] == merged[1][2] != merged[2][2]
    assert merge_adjacent([(1, 2, "a"), (0, 1, "a"), (2, 3, "b")]) == [(0, 2, "a"), (2, 3, "b")]


def test_every_stage_has_a_label_and_kinds_run_the_right_stages():
    from meetings.processing.stages import STAGE_LABELS, stages_for

    for stages in (*(stages_for(kind, {}) for kind in ("process", "transcribe", "diarize", "probe")), speech_stages()):
        for stage in stages:
            assert stage.name in STAGE_LABELS
    assert [s.name for s in stages_for("diarize", {})][:6] == ["decode", "vad", "words", "diarize", "align", "save"]
    assert "transcribe" not in [s.name for s in stages_for("diarize", {})]
    assert "recover" not in [s.name for s in stages_for("diarize", {})]
    assert [s.name for s in speech_stages()] == ["decode", "vad", "diarize", "transcribe", "recover", "align"]
    assert [s.name for s in stages_for("process", {})][0] == "probe"


# --- saving -----------------------------------------------------------------------------------


@pytest.fixture
def meeting(org, owner):
    from django.utils import timezone

    from meetings import services

    return services.create_meeting(org, owner, title="t", held_at=timezone.now())


def segments_for(labels):
    result = []
    for i, label in enumerate(labels):
        words = words_at((f" w{i}", i * 2.0, i * 2.0 + 1.0))
        result.append({"speaker": label, "start": i * 2.0, "end": i * 2.0 + 1.0, "text": f"w{i}", "words": words})
    return result


def test_saving_twice_leaves_one_copy_and_keeps_speaker_names(meeting, member):
    from meetings.models import Segment, Speaker
    from meetings.transcript.store import save_transcript

    save_transcript(meeting, segments_for(["S1", "S2", "S1"]))
    save_transcript(meeting, segments_for(["S1", "S2", "S1"]))
    assert Segment.objects.filter(meeting=meeting).count() == 3
    assert list(meeting.segments.values_list("position", flat=True)) == [0, 1, 2]
    assert sorted(meeting.speakers.values_list("label", flat=True)) == ["S1", "S2"]

    Speaker.objects.filter(meeting=meeting, label="S2").update(name="박팀원", member=member)
    # a re-diarization that numbers the voices the other way round still finds who is who
    save_transcript(meeting, segments_for(["S2", "S1", "S2"]))
    second = meeting.segments.get(position=1).speaker
    assert second.name == "박팀원" and second.member == member and second.label == "S2"
    assert second.display_name == "박팀원"


def test_fewer_speakers_after_rediarization_removes_the_extra_ones(meeting):
    from meetings.transcript.store import save_transcript

    save_transcript(meeting, segments_for(["S1", "S2", "S3"]))
    save_transcript(meeting, segments_for(["S1", "S1", "S1"]))
    assert list(meeting.speakers.values_list("label", flat=True)) == ["S1"]
    save_transcript(meeting, [])
    assert meeting.segments.count() == 0 and meeting.speakers.count() == 0


def test_offline_whisper_base_is_joined_once(settings, tmp_path):
    from ai_pipeline.stt.offline import whisper_base_dir

    settings.MODEL_CACHE_DIR = tmp_path
    folder = whisper_base_dir()
    size = (folder / "model.bin").stat().st_size
    mtime = (folder / "model.bin").stat().st_mtime_ns
    assert size > 100_000_000 and (folder / "tokenizer.json").exists() and (folder / "config.json").exists()
    assert whisper_base_dir() == folder and (folder / "model.bin").stat().st_mtime_ns == mtime


# --- GPU out of memory ------------------------------------------------------------------------


class GpuThatRunsOutOfMemory:
    """A stand-in engine plugged in through the engine registry: on 'cuda' every call runs out of memory."""

    name = "oom-test"
    default_batch_size = 4
    calls = []

    def __init__(self, model, device):
        self.model_name = model
        self.device = "cpu" if device == "cpu" else "cuda"

    def transcribe(
        self, audio, language=None, initial_prompt=None, progress=None, speech_regions=None, batch_size=None
    ):
        from ai_pipeline.stt import OutOfMemory, Transcript

        self.calls.append((self.device, batch_size))
        if self.device == "cuda":
            raise OutOfMemory("CUDA out of memory. Tried to allocate 2.00 GiB")
        return Transcript(language="ko", segments=[SttSegment(0, 1, " 네", [Word(" 네", 0, 1, 0.9)])])


def test_gpu_out_of_memory_retries_smaller_batches_then_the_cpu(meeting, monkeypatch, settings):
    import numpy as np

    from ai_pipeline import stt
    from ai_pipeline.pipeline import PipelineContext
    from ai_pipeline.stages import transcribe_with_fallback
    from meetings.models import Job

    monkeypatch.setitem(stt.ENGINES, "oom-test", f"{__name__}.GpuThatRunsOutOfMemory")
    settings.STT_DEVICE = "cuda"
    job = Job.objects.create(meeting=meeting)
    context = PipelineContext(job=job, options={"stt_engine": "oom-test"})
    context.data["speech"] = [(0.0, 1.0)]
    engine, transcript = transcribe_with_fallback(context, np.zeros(16000, dtype=np.float32))
    assert engine.device == "cpu" and transcript.words[0].text == " 네"
    assert GpuThatRunsOutOfMemory.calls == [("cuda", None), ("cuda", 2), ("cuda", 1), ("cpu", None)]
    job.refresh_from_db()
    assert "retrying with batch size 2" in job.log and "retrying on the CPU" in job.log
    stt.forget_engines()


def test_pyannote_engine_without_pyannote_installed_says_what_to_do(settings):
    from importlib.util import find_spec

    if find_spec("pyannote") is not None and find_spec("pyannote.audio") is not None:
        pytest.skip("pyannote.audio is installed here; test_speech.py runs the real engine")
    from ai_pipeline.diarization import get_diarizer
    from ai_pipeline.stt import ModelLoadError

    with pytest.raises(ModelLoadError, match="pyannote.audio is not installed"):
        get_diarizer("pyannote", "", "cpu")
    with pytest.raises(ModelLoadError, match="Unknown diarization engine"):
        get_diarizer("nope", "", "cpu")


def test_the_same_sentence_window_after_window_is_kept_once():
    line = " 네, 그냥 도대체 무슨 일이냐?"
    kept, dropped = clean_segments(
        [seg(line, 0, 5), seg(line, 5, 10), seg(line, 10, 15), seg(" 네.", 15, 16), seg(" 네.", 16, 17)]
    )
    assert [s.text for s in kept] == [line, " 네.", " 네."]  # short replies may really repeat
    assert [d.reason for d in dropped] == ["repeated_segment", "repeated_segment"]


def test_pyannotes_step_hook_becomes_one_rising_progress():
    from ai_pipeline.diarization.pyannote_engine import _progress_hook

    reported = []
    hook = _progress_hook(reported.append)
    # As pyannote.audio's pipeline calls its hook: a step's artifact when it ends, batches while it runs.
    hook("segmentation", object())
    hook("speaker_counting", object())
    for done in range(0, 11, 5):
        hook("embeddings", None, total=10, completed=done)
    hook("some_future_step", object())  # a step this version does not know: no report, no error
    hook("discrete_diarization", object())
    assert reported == [0.3, 0.35, 0.35, 0.625, 0.9, 1.0]
