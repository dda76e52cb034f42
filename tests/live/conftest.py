"""Chunks as a live recorder sends them: one recording cut into standalone files of a few seconds, as
WebM/Opus (what MediaRecorder makes) or WAV."""

import pytest

from tests.support.audio import cut, espeak_wav, write_tone_wav

SPEECH = (
    "Good morning everyone. Today we decide the launch date. "
    "The budget for the next quarter is ready. Please send your comments by Friday."
)


@pytest.fixture
def tone_chunks(tmp_path):
    """Three 2-second WebM/Opus chunks of a tone."""
    source = write_tone_wav(tmp_path / "tone.wav", seconds=6.0)
    return cut(source, tmp_path, 2, 3, ".webm", ["-c:a", "libopus"])


@pytest.fixture
def tone_wav_chunks(tmp_path):
    source = write_tone_wav(tmp_path / "tone.wav", seconds=6.0)
    return cut(source, tmp_path, 2, 3, ".wav", [])


@pytest.fixture
def speech_wav(tmp_path):
    return espeak_wav(tmp_path / "speech.wav", SPEECH)
