"""The speech-to-text interface every engine implements."""

import threading
from dataclasses import dataclass, field

from django.utils.module_loading import import_string


@dataclass
class Word:
    text: str  # as the model wrote it, leading space included
    start: float
    end: float
    probability: float = 1.0

    def as_dict(self):
        return {"w": self.text, "s": round(self.start, 3), "e": round(self.end, 3), "p": round(self.probability, 3)}


@dataclass
class SttSegment:
    start: float
    end: float
    text: str
    words: list = field(default_factory=list)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


@dataclass
class DroppedText:
    """Text a guard removed (or cut down): where it was, why, and what it said."""

    start: float
    end: float
    reason: str
    text: str

    def shifted(self, offset):
        return DroppedText(self.start + offset, self.end + offset, self.reason, self.text)

    def as_dict(self):
        return {"start": round(self.start, 3), "end": round(self.end, 3), "reason": self.reason, "text": self.text}


@dataclass
class Transcript:
    language: str
    segments: list = field(default_factory=list)
    dropped: list = field(default_factory=list)  # [DroppedText] the guards removed

    @property
    def words(self):
        return [word for segment in self.segments for word in segment.words]


class ModelLoadError(Exception):
    """The model could not be loaded (missing folder, wrong format, no network for a hub id)."""


class OutOfMemory(Exception):
    """The accelerator ran out of memory; the caller may retry smaller or on the CPU."""


class SttEngine:
    name = "base"

    def __init__(self, model, device):
        self.model_name = model
        self.device = device

    def transcribe(
        self, audio, language=None, initial_prompt=None, progress=None, speech_regions=None, batch_size=None
    ):
        """audio: 16 kHz mono float32. language None = detect. Returns a Transcript."""
        raise NotImplementedError

    def redecode(self, audio, language=None, initial_prompt=None):
        """Decode one stretch of speech that the first pass left without text, on its own: no earlier
        text to condition on, every temperature of the fallback tried, no skipping of windows the
        model scores as silence (the VAD heard speech there). Engines override it where their options
        differ; the default decodes the clip as a whole recording."""
        return self.transcribe(audio, language=language, initial_prompt=initial_prompt)


def is_out_of_memory(exc):
    text = str(exc).lower()
    return exc.__class__.__name__ == "OutOfMemoryError" or "out of memory" in text


class EngineRegistry:
    """Engine classes by name (dotted paths in `engines`, a dict tests may extend), built on first use.

    `resolve_device` turns "auto" (or a setting) into a concrete device; it runs only for a known engine
    name, so an unknown one fails before anything heavy (torch, CTranslate2) is imported."""

    def __init__(self, kind, engines, resolve_device):
        self.kind = kind
        self.engines = engines
        self.resolve_device = resolve_device
        self._built = {}
        self._lock = threading.Lock()

    def get(self, name, model, device):
        if name not in self.engines:
            raise ModelLoadError(f"Unknown {self.kind} engine {name!r} (choose from {', '.join(self.engines)}).")
        device = self.resolve_device(device)
        key = (name, model or "", device)
        with self._lock:
            engine = self._built.get(key)
            if engine is None:
                engine = import_string(self.engines[name])(model, device)
                self._built[key] = engine
        return engine

    def forget(self):
        with self._lock:
            self._built.clear()
