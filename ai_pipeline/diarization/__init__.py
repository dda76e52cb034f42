"""Diarization engines ("who spoke when"), chosen by name and loaded once per process."""

from django.conf import settings

from ..stt.base import EngineRegistry

ENGINES = {
    "senko": "ai_pipeline.diarization.senko_engine.SenkoDiarizer",
    "pyannote": "ai_pipeline.diarization.pyannote_engine.PyannoteDiarizer",
}


def torch_device(device):
    device = (device or "auto").lower()
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


_diarizers = EngineRegistry("diarization", ENGINES, resolve_device=torch_device)


def get_diarizer(name=None, model=None, device=None):
    name = name or settings.DIARIZER_ENGINE
    model = settings.DIARIZER_MODEL if model is None else model
    return _diarizers.get(name, model, device or getattr(settings, "DIARIZER_DEVICE", "auto"))
