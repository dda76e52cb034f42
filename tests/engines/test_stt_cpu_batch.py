"""STT_CPU_BATCH_SIZE chooses batched decoding on the CPU; a job's own batch size still comes first."""

import io

import numpy as np
import pytest

from ai_pipeline import stt
from ai_pipeline.management.commands.transcribe import StderrJob
from ai_pipeline.pipeline import PipelineContext
from ai_pipeline.stages import transcribe_with_fallback
from ai_pipeline.stt import SttSegment, Transcript, Word


class RecordingCpuEngine:
    """A stand-in engine plugged in through the engine registry: it records the batch size it was given."""

    name = "batch-test"
    default_batch_size = 16
    calls = []

    def __init__(self, model, device):
        self.model_name = model
        self.device = "cpu"

    def transcribe(
        self, audio, language=None, initial_prompt=None, progress=None, speech_regions=None, batch_size=None
    ):
        self.calls.append(batch_size)
        return Transcript(language="ko", segments=[SttSegment(0, 1, " 네", [Word(" 네", 0, 1, 0.9)])])


@pytest.fixture
def engine(monkeypatch, settings):
    monkeypatch.setitem(stt.ENGINES, "batch-test", f"{__name__}.RecordingCpuEngine")
    monkeypatch.delenv("STT_CPU_BATCH_SIZE", raising=False)
    settings.STT_DEVICE = "cpu"
    RecordingCpuEngine.calls = []
    yield RecordingCpuEngine
    stt.forget_engines()


def transcribe(options):
    context = PipelineContext(job=StderrJob(io.StringIO()), options={"stt_engine": "batch-test", **options})
    context.data["speech"] = [(0.0, 1.0)]
    return transcribe_with_fallback(context, np.zeros(16000, dtype=np.float32))


@pytest.mark.parametrize(
    ("setting", "option", "expected"), [(None, None, None), (1, None, None), (8, None, 8), (8, 4, 4)]
)
def test_cpu_batch_size(engine, settings, setting, option, expected):
    settings.STT_CPU_BATCH_SIZE = setting
    _engine, transcript = transcribe({"batch_size": option} if option else {})
    assert engine.calls == [expected] and transcript.words[0].text == " 네"
