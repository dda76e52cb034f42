"""Speaker memory on real speech: pyannote's sample.wav (two real speakers, with its reference turns) cut in two
halves; both speakers say "this is me" on their speakers of the first half (the offline pyannote pipeline, whose
CAM++ embeddings are the ones matched), and the second half is matched as a new meeting with the product's
matching. bench/voiceprints.py --real-sample --engine pyannote prints the same numbers and a threshold sweep.

On 15 s halves real voices score lower than the synthetic series the threshold was calibrated on (about 0.75-0.8
for the same person, 0.56 for the other): each speaker is recognised as the right one, but below
VOICEPRINT_THRESHOLD, so nobody is named, and above all nobody is named wrongly."""

import importlib.util
import os
from types import SimpleNamespace

import pytest
from django.conf import settings

from tests.support.voice_series import _dominant_voice, diarize_series, halves, measure, pyannote_sample

pytestmark = [pytest.mark.pyannote, pytest.mark.slow]


@pytest.fixture(scope="module")
def diarizer():
    if importlib.util.find_spec("pyannote") is None or importlib.util.find_spec("pyannote.audio") is None:
        message = "pyannote.audio is not in this environment: run .venv-pyannote/bin/pytest -m pyannote"
        if os.environ.get("REQUIRE_PYANNOTE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from ai_pipeline.diarization import get_diarizer

    return get_diarizer("pyannote", "", "cpu")


def test_both_real_speakers_are_recognised_across_the_halves_and_nobody_is_misnamed(diarizer):
    from ai_pipeline.audio import decode_audio
    from meetings.voiceprints.matching import assign, similarities
    from meetings.voiceprints.services import unit

    wav, reference = pyannote_sample()
    meetings = halves(decode_audio(wav), reference)
    diarized = diarize_series(diarizer, meetings)
    (first_turns, first_embeddings), (later_turns, later_embeddings) = diarized
    owners = _dominant_voice(first_turns, meetings[0][1])
    assert set(owners.values()) == {"speaker90", "speaker91"}, "both speakers are heard in the first half"
    voiceprints = [
        SimpleNamespace(member_id=owners[label], vector=unit(vector)) for label, vector in first_embeddings.items()
    ]
    truth = _dominant_voice(later_turns, meetings[1][1])
    speakers = [SimpleNamespace(pk=label, embedding=vector) for label, vector in later_embeddings.items()]
    pairs = similarities(speakers, voiceprints)
    scores = {}
    for score, speaker, voiceprint in pairs:
        scores.setdefault(truth[speaker.pk], {})[voiceprint.member_id] = round(score, 3)
    print(f"\nsample.wav, second half against the first half's voiceprints: {scores}")
    for voice, by_print in scores.items():
        other = next(name for name in by_print if name != voice)
        assert by_print[voice] >= by_print[other] + 0.1, f"{voice} is closer to its own voiceprint: {by_print}"

    named = assign(pairs, settings.VOICEPRINT_THRESHOLD)
    assert all(truth[label] == member for label, (member, _score) in named.items()), named
    # once the scores clear the threshold, the matching (join, one member per speaker) names both correctly
    lowest_same = min(by_print[voice] for voice, by_print in scores.items())
    result = measure(diarizer, meetings, lowest_same - 0.001, diarized)
    print(f"at {settings.VOICEPRINT_THRESHOLD}: {len(named)} named; at {lowest_same - 0.001:.3f}: {result}")
    assert result["named_correctly"] >= 0.8
