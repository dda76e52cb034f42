"""Chunks as a live recorder sends them: one recording cut into standalone files of a few seconds, as
WebM/Opus (what MediaRecorder makes) or WAV."""

import pytest

from tests.support.audio import espeak_wav, ffmpeg_convert, write_tone_wav

SPEECH = (
    "Good morning everyone. Today we decide the launch date. "
    "The budget for the next quarter is ready. Please send your comments by Friday."
)


def cut(source, folder, seconds, count, suffix, codec_args):
    """`count` standalone chunks of `seconds` each from `source`, in order."""
    chunks = []
    for index in range(count):
        target = folder / f"chunk{index:03d}{suffix}"
        ffmpeg_convert(source, target, "-ss", str(index * seconds), "-t", str(seconds), *codec_args)
        chunks.append(target)
    return chunks


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
