"""Speech-to-text engines, chosen by name (settings.STT_ENGINE or a job option) and loaded once
per process. Nothing here imports torch or CTranslate2 until an engine is asked for."""

import threading

from django.conf import settings

from .base import ModelLoadError, OutOfMemory, SttEngine, SttSegment, Transcript, Word, is_out_of_memory

__all__ = [
    "ENGINES",
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

_cache = {}
_lock = threading.Lock()


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


def get_engine(name=None, model=None, device=None):
    """The engine instance for (name, model, device), built on first use and then reused."""
    from django.utils.module_loading import import_string

    name = name or settings.STT_ENGINE
    model = settings.STT_MODEL if model is None else model
    device = resolve_device(device or settings.STT_DEVICE)
    if name not in ENGINES:
        raise ModelLoadError(f"Unknown speech-to-text engine {name!r} (choose from {', '.join(ENGINES)}).")
    key = (name, model or "", device)
    with _lock:
        engine = _cache.get(key)
        if engine is None:
            engine = import_string(ENGINES[name])(model, device)
            _cache[key] = engine
    return engine


def forget_engines():
    with _lock:
        _cache.clear()
