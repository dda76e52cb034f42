"""A window senko clustered with the wrong voice leaves a short island inside someone's speech: it goes back to
the speech around it, and real turns (longer, or with a pause around them) stay."""

from ai_pipeline.diarization.base import absorb_islands, merge_adjacent
from ai_pipeline.diarization.senko_engine import ISLAND_SECONDS


def test_an_island_inside_one_speakers_speech_goes_back_to_them():
    turns = [(0.0, 4.0, "A"), (4.0, 4.6, "B"), (4.6, 9.0, "A"), (9.5, 12.0, "B")]
    assert merge_adjacent(absorb_islands(turns, ISLAND_SECONDS)) == [(0.0, 9.0, "A"), (9.5, 12.0, "B")]


def test_an_island_between_two_speakers_is_shared_at_its_middle():
    turns = [(0.0, 4.0, "A"), (4.0, 4.6, "C"), (4.6, 9.0, "B")]
    assert absorb_islands(turns, ISLAND_SECONDS) == [(0.0, 4.3, "A"), (4.3, 9.0, "B")]


def test_longer_turns_and_turns_after_a_pause_stay():
    long_turn = [(0.0, 4.0, "A"), (4.0, 5.2, "B"), (5.2, 9.0, "A")]
    assert absorb_islands(long_turn, ISLAND_SECONDS) == long_turn
    after_pause = [(0.0, 4.0, "A"), (4.5, 5.0, "B"), (5.0, 9.0, "A")]
    assert absorb_islands(after_pause, ISLAND_SECONDS) == after_pause
    at_the_edges = [(0.0, 0.5, "B"), (0.5, 9.0, "A"), (9.0, 9.4, "B")]
    assert absorb_islands(at_the_edges, ISLAND_SECONDS) == at_the_edges
