"""Audio made inside the tests: tone WAVs (numpy), real synthetic speech (espeak-ng), conversions (ffmpeg).
A meeting's recording made from a tone: tests/support/factories.py."""

import io
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np

from tests.support.tools import missing_tool


def tone_wav_bytes(seconds=2.0, rate=16000, freq=440.0):
    """A short real WAV file's bytes (a tone with a little noise)."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(0)
    samples = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(t.size)
    pcm = (samples * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def write_tone_wav(path, seconds=2.0, rate=16000, freq=440.0):
    """A short real WAV file (a tone with a little noise)."""
    Path(path).write_bytes(tone_wav_bytes(seconds, rate, freq))
    return Path(path)


def ffmpeg_convert(source, target, *args):
    if not shutil.which("ffmpeg"):
        missing_tool("ffmpeg is not installed (.ci/run installs it)")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(source), *args, str(target)], check=True)
    return Path(target)


def spoken_sentences(folder, sentences, voices=("en",), target="speech.wav"):
    """The sentences spoken by espeak-ng (voices taken in turn), each followed by a second of silence, in one
    16-bit WAV; returns (its path, its length in seconds)."""
    import wave

    import numpy as np

    pieces = []
    for index, sentence in enumerate(sentences):
        path = espeak_wav(Path(folder) / f"s{index}.wav", sentence, voice=voices[index % len(voices)])
        with wave.open(str(path)) as source:
            rate = source.getframerate()
            pieces.append(np.frombuffer(source.readframes(source.getnframes()), dtype="<i2"))
        pieces.append(np.zeros(rate, dtype="<i2"))
    whole = Path(folder) / target
    with wave.open(str(whole), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.concatenate(pieces).tobytes())
    return whole, sum(piece.size for piece in pieces) / rate


def cut(source, folder, seconds, count, suffix, codec_args):
    """`count` standalone chunks of `seconds` each from `source`, in order (as a live recorder sends them)."""
    chunks = []
    for index in range(count):
        target = Path(folder) / f"chunk{index:03d}{suffix}"
        ffmpeg_convert(source, target, "-ss", str(index * seconds), "-t", str(seconds), *codec_args)
        chunks.append(target)
    return chunks


def espeak_wav(path, text, voice="en", speed=150):
    """Real synthetic speech (espeak-ng), for tests that need words."""
    if not shutil.which("espeak-ng"):
        missing_tool("espeak-ng is not installed (.ci/run installs it)")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
    return Path(path)
