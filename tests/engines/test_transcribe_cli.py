"""`manage.py transcribe`: argument handling and bad input (no models needed). The JSON contract
on real speech is checked in test_speech.py."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args):
    env = {"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "manage.py", "transcribe", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_undecodable_file_exits_non_zero_with_a_clear_error(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("this is not audio")
    result = run_cli(str(bad), "--json")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "notes.wav" in result.stderr and "Invalid data" in result.stderr  # FFmpeg's own words
    assert "Traceback" not in result.stderr


def test_missing_file_exits_non_zero(tmp_path):
    result = run_cli(str(tmp_path / "nope.flac"), "--json")
    assert result.returncode != 0 and "no such file" in result.stderr


def test_silent_file_gives_an_empty_transcript(tmp_path):
    import json

    import numpy as np
    import soundfile as sf

    path = tmp_path / "quiet.wav"
    sf.write(path, np.zeros(16000 * 3, dtype=np.float32), 16000, subtype="PCM_16")
    result = run_cli(str(path), "--json", "--num-speakers", "2")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["segments"] == [] and data["duration"] == 3.0 and data["language"] == "ko"
    assert set(data["timings"]) == {"decode", "vad", "diarize", "transcribe", "recover", "align"}
    assert data["gaps"] == [] and data["coverage"] == 1.0  # silence: nothing to account for
