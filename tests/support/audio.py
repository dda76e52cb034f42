"""Audio made inside the tests: tone WAVs (numpy), real synthetic speech (espeak-ng), conversions (ffmpeg),
and a meeting recording made from a tone."""

import hashlib
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np

from tests.support.tools import missing_tool


def write_tone_wav(path, seconds=2.0, rate=16000, freq=440.0):
    """A short real WAV file (a tone with a little noise)."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(0)
    samples = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(t.size)
    pcm = (samples * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return Path(path)


def ffmpeg_convert(source, target, *args):
    if not shutil.which("ffmpeg"):
        missing_tool("ffmpeg is not installed (.ci/run installs it)")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(source), *args, str(target)], check=True)
    return Path(target)


def espeak_wav(path, text, voice="en", speed=150):
    """Real synthetic speech (espeak-ng), for tests that need words."""
    if not shutil.which("espeak-ng"):
        missing_tool("espeak-ng is not installed (.ci/run installs it)")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
    return Path(path)


def add_tone_recording(meeting, folder, seconds):
    """Gives `meeting` a real WAV recording, long enough for its page's player to seek in."""
    from django.core.files import File

    from meetings.models import Recording

    wav = write_tone_wav(Path(folder) / "meeting.wav", seconds=seconds)
    recording = Recording(
        meeting=meeting,
        original_name="meeting.wav",
        size=wav.stat().st_size,
        sha256=hashlib.sha256(wav.read_bytes()).hexdigest(),
        duration=float(seconds),
    )
    with open(wav, "rb") as handle:
        recording.file.save("meeting.wav", File(handle), save=False)
    recording.save()
    return recording
