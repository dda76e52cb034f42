"""Speech-to-text engines, chosen by name (settings.STT_ENGINE or a job option) and loaded once
per process. Nothing here imports torch or CTranslate2 until an engine is asked for."""

from django.conf import settings

from .base import (
    DroppedText,
    EngineRegistry,
    ModelLoadError,
    OutOfMemory,
    SttEngine,
    SttSegment,
    Transcript,
    Word,
    is_out_of_memory,
)

__all__ = [
    "ENGINES",
    "DroppedText",
    "ModelLoadError",
    "OutOfMemory",
    "SttEngine",
    "SttSegment",
    "Transcript",
    "Word",
    "get_engine",
    "is_out_of_memory",
    "resolve_device",
]

ENGINES = {
    "faster-whisper": "ai_pipeline.stt.faster_whisper_engine.FasterWhisperEngine",
    "transformers": "ai_pipeline.stt.transformers_engine.TransformersWhisperEngine",
}


def resolve_device(device):
    device = (device or "auto").lower()
    if device != "auto":
        return device
    try:
        import ctranslate2

        if ctranslate2.get_cuda_device_count() > 0:
            return "cuda"
    except Exception:  # noqa: S110 - no CUDA runtime at all is the common CPU case
        pass
    return "cpu"


_engines = EngineRegistry("speech-to-text", ENGINES, resolve_device=resolve_device)


def get_engine(name=None, model=None, device=None):
    """The engine instance for (name, model, device), built on first use and then reused."""
    name = name or settings.STT_ENGINE
    model = settings.STT_MODEL if model is None else model
    return _engines.get(name, model, device or settings.STT_DEVICE)


def forget_engines():
    _engines.forget()
