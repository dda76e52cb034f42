"""Accounting for all detected speech: which stretches the first speech-to-text pass left without text,
and, after a second try, the gaps that remain, each with its speaker and the reason.

Plain data in and out: speech regions and turns are (start, end[, speaker]) tuples, words and segments
the pipeline's dicts, dropped text the guards' DroppedText."""

from django.utils.translation import gettext_noop

# Speech shorter than this without text is not a gap: VAD padding and the silence between words.
MIN_GAP = 1.0
# A word covers this much around itself (word times from cross-attention are approximate).
WORD_PAD = 0.3
# Stretches shorter than this are not decoded again (Whisper needs some context to say anything).
MIN_REDECODE = 0.8
# Mean word probability under which a segment is shown as low confidence (settings.STT_LOW_CONFIDENCE).
LOW_CONFIDENCE = 0.5

NOT_RECOGNISED = "not_recognised"
# What a user reads for each reason (the guard keys come from ai_pipeline/stt/guards.py).
REASONS = {
    NOT_RECOGNISED: gettext_noop("speech detected, not recognised"),
    "phantom": gettext_noop("dropped: phantom subtitle phrase"),
    "no_speech": gettext_noop("dropped: the model heard no speech"),
    "outside_speech": gettext_noop("dropped: text on non-speech"),
    "repeated_segment": gettext_noop("dropped: repeated sentence"),
    "repetition": gettext_noop("dropped: repetition loop"),
}


def merge_spans(spans, join=0.0):
    """Sorted, non-overlapping (start, end) spans; spans closer than `join` become one."""
    merged = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1] + join:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def subtract(regions, spans):
    """The parts of `regions` that no span covers."""
    spans = merge_spans(spans)
    result = []
    for start, end in regions:
        cursor = start
        for s, e in spans:
            if e <= cursor or s >= end:
                continue
            if s > cursor:
                result.append((cursor, s))
            cursor = max(cursor, e)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def total(spans):
    return sum(e - s for s, e in spans)


def overlap(a_start, a_end, b_start, b_end):
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def word_spans(words, pad=WORD_PAD):
    return [(max(0.0, w["s"] - pad), w["e"] + pad) for w in words]


def untranscribed(speech, words, min_length=MIN_REDECODE):
    """Speech regions (or parts of them) with no word in or near them, worth decoding again."""
    return [(s, e) for s, e in subtract(speech, word_spans(words)) if e - s >= min_length]


def _speaker_pieces(start, end, turns):
    """Cut [start, end] where the diarization turns inside it change speaker: [(start, end, speaker)].
    A pause between turns stays with the speaker before it; with no turn inside, the nearest turn's
    speaker takes the whole stretch (as for words), or None when there are no turns at all."""
    pieces = []
    for turn_start, turn_end, speaker in sorted(turns):
        if overlap(turn_start, turn_end, start, end) <= 0:
            continue
        piece_start = max(turn_start, pieces[-1][1]) if pieces else start
        piece_end = min(turn_end, end)
        if piece_end <= piece_start:
            continue
        if pieces and pieces[-1][2] == speaker:
            pieces[-1][1] = piece_end
            continue
        if pieces:
            pieces[-1][1] = piece_start
        pieces.append([piece_start, piece_end, speaker])
    if not pieces:
        middle = (start + end) / 2
        nearest = min(turns, key=lambda t: min(abs(t[0] - middle), abs(t[1] - middle)), default=None)
        return [(start, end, nearest[2] if nearest else None)]
    pieces[-1][1] = end
    return [tuple(piece) for piece in pieces]


def _reason(start, end, dropped):
    """The guard that removed text here, if one did (the one that removed the most time)."""
    best, best_overlap = NOT_RECOGNISED, 0.0
    for item in dropped:
        shared = overlap(item.start, item.end, start, end)
        if shared > best_overlap:
            best, best_overlap = item.reason, shared
    return best if best in REASONS else NOT_RECOGNISED


def _absorb_short(pieces, shortest):
    """A speaker's sliver at the edge of a gap joins its neighbour, so no lost second goes uncounted."""
    result = []
    for start, end, speaker in pieces:
        if result and result[-1][1] - result[-1][0] < shortest:
            start = result.pop()[0]
        elif result and end - start < shortest:
            result[-1] = (result[-1][0], end, result[-1][2])
            continue
        result.append((start, end, speaker))
    return result


def find_gaps(speech, segments, turns, dropped=(), min_gap=MIN_GAP):
    """Speech that no segment covers: [{start, end, speaker, reason}] in time order, split where the
    speaker changes, so who spoke when stays complete where no word was recognised."""
    gaps = []
    for start, end in subtract(speech, [(s["start"], s["end"]) for s in segments]):
        if end - start < min_gap:
            continue
        for piece_start, piece_end, speaker in _absorb_short(_speaker_pieces(start, end, turns), min_gap / 2):
            gaps.append(
                {
                    "start": round(piece_start, 3),
                    "end": round(piece_end, 3),
                    "speaker": speaker,
                    "reason": _reason(piece_start, piece_end, dropped),
                }
            )
    return gaps


def coverage_summary(speech, gaps):
    """Transcribed speech seconds over detected speech seconds (1.0 when nothing was lost)."""
    speech_seconds = total(merge_spans(speech))
    gap_seconds = sum(g["end"] - g["start"] for g in gaps)
    transcribed = max(0.0, speech_seconds - gap_seconds)
    return {
        "speech_seconds": round(speech_seconds, 1),
        "transcribed_seconds": round(transcribed, 1),
        "gap_seconds": round(gap_seconds, 1),
        "gaps": len(gaps),
        "coverage": round(transcribed / speech_seconds, 3) if speech_seconds else 1.0,
    }


def mark_low_confidence(segments, threshold=LOW_CONFIDENCE):
    for segment in segments:
        confidence = segment.get("confidence")
        segment["low_confidence"] = bool(confidence is not None and confidence < threshold)
    return segments
