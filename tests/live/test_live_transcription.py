"""Live transcription: audio cut at pauses into bounded windows (a plain function), each closed window
transcribed as chunks arrive with the organization's speech engine, one task per session at a time."""

import numpy as np
import pytest

from ai_pipeline.live import PAUSE_SECONDS, live_windows
from meetings.live import services, tasks
from meetings.models import LiveSession, LiveText
from tests.support import factories
from tests.support.audio import cut, spoken_sentences

SENTENCES = [
    "Good morning everyone.",
    "Today we decide the launch date.",
    "The budget for the next quarter is ready.",
    "Please send your comments by Friday.",
]


# --- windows (plain data) -------------------------------------------------------------------------


def test_each_region_followed_by_a_pause_is_a_window_and_the_last_one_waits():
    windows, settled = live_windows([(0.5, 2.0), (3.0, 6.0), (7.0, 9.9)], 10.0, max_seconds=20)
    assert [(w.start, w.end) for w in windows] == [(0.5, 2.0), (3.0, 6.0)]
    assert settled == 7.0  # the next run starts where the open region does


def test_a_region_heard_to_end_closes_and_silence_is_settled():
    windows, settled = live_windows([(0.5, 2.0)], 10.0, max_seconds=20)
    assert [(w.start, w.end) for w in windows] == [(0.5, 2.0)]
    assert settled == pytest.approx(10.0 - PAUSE_SECONDS)
    assert live_windows([], 8.0, max_seconds=20) == ([], pytest.approx(8.0 - PAUSE_SECONDS))


def test_a_long_region_is_cut_at_the_maximum_even_while_it_goes_on():
    windows, settled = live_windows([(1.0, 50.0)], 50.0, max_seconds=20)
    assert [(w.start, w.end) for w in windows] == [(1.0, 21.0), (21.0, 41.0)]
    assert settled == 41.0


def test_final_closes_everything():
    windows, settled = live_windows([(1.0, 3.0), (4.0, 9.9)], 10.0, max_seconds=20, final=True)
    assert [(w.start, w.end) for w in windows] == [(1.0, 3.0), (4.0, 9.9)]
    assert settled == 10.0


# --- the task ---------------------------------------------------------------------------------------


@pytest.fixture
def speech_chunks(tmp_path):
    """The sentences spoken with a second of silence after each, cut into 4-second WebM/Opus chunks."""
    whole, seconds = spoken_sentences(tmp_path, SENTENCES)
    return cut(whole, tmp_path, 4, int(np.ceil(seconds / 4)), ".webm", ["-c:a", "libopus"])


def send(session, chunks, sequences):
    for sequence in sequences:
        with chunks[sequence].open("rb") as body:
            services.receive_chunk(session, sequence, body, "audio/webm")


@pytest.mark.slow
@pytest.mark.django_db
def test_live_windows_are_transcribed_as_chunks_arrive_and_never_twice(org, owner, speech_chunks):
    meeting = factories.meeting(org, "Launch", creator=owner, language="en")
    session = services.open_session(meeting, owner)
    half = len(speech_chunks) // 2
    send(session, speech_chunks, range(half))
    assert tasks.transcribe_live(session.pk) >= 1
    session.refresh_from_db()
    received = sum(chunk.duration for chunk in session.chunks.all())
    first_texts = list(LiveText.objects.filter(session=session).values_list("text", flat=True))
    assert "morning" in " ".join(first_texts).lower()
    assert 0 < session.transcribed_until <= received

    assert tasks.transcribe_live(session.pk) == 0, "nothing new: nothing is transcribed again"

    send(session, speech_chunks, range(half, len(speech_chunks)))
    tasks.transcribe_live(session.pk)
    texts = list(LiveText.objects.filter(session=session).order_by("start"))
    said = " ".join(text.text for text in texts).lower()
    for word in ("morning", "launch", "budget", "comments"):
        assert word in said, said
    starts = [text.start for text in texts]
    assert starts == sorted(starts)
    assert all(earlier.end <= later.start + 1e-6 for earlier, later in zip(texts, texts[1:], strict=False))
    assert all(text.words and text.start <= text.words[0]["s"] for text in texts), [
        (t.start, t.end, t.words[:1]) for t in texts
    ]


@pytest.mark.django_db
def test_a_task_finding_the_session_held_leaves_it_to_the_holder(org, owner, speech_chunks):
    session = services.open_session(factories.meeting(org, creator=owner), owner)
    send(session, speech_chunks, [0])
    assert services.take_transcription(session.pk)
    assert tasks.transcribe_live(session.pk) == 0
    assert not LiveText.objects.exists()
    assert LiveSession.objects.get(pk=session.pk).transcribing_since is not None
