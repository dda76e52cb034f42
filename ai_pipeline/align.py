"""Alignment: give every word the speaker whose turns overlap it most, then cut runs of one
speaker into segments at pauses and sentence ends."""

import bisect

SENTENCE_END = (".", "?", "!", "。", "？", "！", "…")
PAUSE = 1.0
MAX_SEGMENT = 30.0


def assign_speakers(words, turns):
    """words: [{w, s, e, p}]; turns: [(start, end, speaker)]. Returns a speaker per word.

    A word no turn overlaps takes the nearest turn's speaker (diarization VAD is stricter than
    Whisper's word boundaries)."""
    if not turns:
        return ["S?"] * len(words) if words else []
    turns = sorted(turns)
    starts = [t[0] for t in turns]
    labels = []
    for word in words:
        s, e = word["s"], max(word["e"], word["s"])
        overlap = {}
        i = max(0, bisect.bisect_right(starts, e) - 1)
        # walk left while turns could still overlap (turns are short; a few steps)
        j = i
        while j >= 0:
            ts, te, speaker = turns[j]
            if te > s and ts < e:
                overlap[speaker] = overlap.get(speaker, 0.0) + min(te, e) - max(ts, s)
            if te < s - 60:
                break
            j -= 1
        if overlap:
            labels.append(max(overlap.items(), key=lambda item: item[1])[0])
            continue
        middle = (s + e) / 2
        nearest = min(
            turns, key=lambda t: 0.0 if t[0] <= middle <= t[1] else min(abs(t[0] - middle), abs(t[1] - middle))
        )
        labels.append(nearest[2])
    return labels


def build_segments(words, speakers, pause=PAUSE, max_length=MAX_SEGMENT):
    """[{speaker, start, end, text, words, confidence}] in time order."""
    segments = []
    current = None
    for word, speaker in zip(words, speakers, strict=True):
        if current is not None:
            last = current["words"][-1]
            split = (
                speaker != current["speaker"]
                or word["s"] - last["e"] > pause
                or last["w"].strip().endswith(SENTENCE_END)
                or word["e"] - current["start"] > max_length
            )
            if split:
                segments.append(_finish(current))
                current = None
        if current is None:
            current = {"speaker": speaker, "start": word["s"], "words": []}
        current["words"].append(word)
    if current is not None:
        segments.append(_finish(current))
    return [s for s in segments if s["text"]]


def _finish(segment):
    words = segment["words"]
    segment["end"] = max(w["e"] for w in words)
    segment["text"] = "".join(w["w"] for w in words).strip()
    segment["confidence"] = round(sum(w.get("p", 1.0) for w in words) / len(words), 3)
    return segment


def relabel(segments, gaps=(), mapping=None):
    """Engine speaker ids -> S1, S2... in order of first appearance, in the segments and the gaps (a
    speaker whose every word was lost still has a label). Relabels in place; returns the segments.
    `mapping`, when given, is filled with {engine id: new label}."""
    mapping = {} if mapping is None else mapping
    for item in sorted([*segments, *gaps], key=lambda item: item["start"]):
        if item["speaker"] is None:
            continue
        if item["speaker"] not in mapping:
            mapping[item["speaker"]] = f"S{len(mapping) + 1}"
        item["speaker"] = mapping[item["speaker"]]
    return segments
