"""Segments grouped into passages along speaker turns.

Consecutive segments of one speaker form a turn; turns are packed into a passage until it reaches
`target_chars`; a turn longer than that is cut at segment boundaries. Each passage after the first
repeats the last `overlap` segments of the one before, so an answer that straddles a boundary is
still found whole. The defaults were tuned on the dev set (bench/search.py)."""

from dataclasses import dataclass, field

DEFAULT_TARGET_CHARS = 150
DEFAULT_OVERLAP = 2


@dataclass
class SegmentData:
    position: int
    start: float
    end: float
    text: str
    speaker_label: str = ""
    speaker_name: str = ""


@dataclass
class PassageData:
    segments: list = field(default_factory=list)

    @property
    def first_position(self):
        return self.segments[0].position

    @property
    def last_position(self):
        return self.segments[-1].position

    def render(self):
        """The passage text ("name: text" per speaker turn) and each segment's span in it."""
        parts, spans, offset, previous = [], [], 0, None
        for seg in self.segments:
            text = seg.text.strip()
            who = seg.speaker_name or seg.speaker_label
            prefix = ""
            if who and who != previous:
                prefix = f"{who}: "
            piece = ("\n" if parts else "") + prefix
            offset += len(piece)
            parts.append(piece + text)
            spans.append([seg.position, seg.start, seg.end, offset, offset + len(text), seg.speaker_label, who])
            offset += len(text)
            previous = who
        return "".join(parts), spans


def group_passages(segments, target_chars=DEFAULT_TARGET_CHARS, overlap=DEFAULT_OVERLAP):
    """Ordered SegmentData -> list of PassageData."""
    segments = [s for s in segments if s.text and s.text.strip()]
    if not segments:
        return []
    # Break points: a passage may end after segment i when the speaker changes after it, or
    # anywhere when one turn alone is too long.
    passages = []
    i = 0
    n = len(segments)
    while i < n:
        size = 0
        j = i
        last_turn_end = None
        while j < n:
            size += len(segments[j].text)
            turn_ends = j + 1 == n or segments[j + 1].speaker_label != segments[j].speaker_label
            if turn_ends:
                last_turn_end = j
            if size >= target_chars:
                # Prefer ending at a speaker change when one was passed; else cut inside the turn.
                if not turn_ends and last_turn_end is not None and last_turn_end >= i + overlap:
                    j = last_turn_end
                break
            j += 1
        j = min(j, n - 1)
        passages.append(PassageData(segments=segments[i : j + 1]))
        if j + 1 >= n:
            break
        i = max(j + 1 - overlap, i + 1)
    return passages


def passage_tokens(passage, segment_tokens, name_tokens):
    """A passage's morphemes from its segments' (tokenised once each, however many passages
    repeat them), with the speaker's name where render() writes it."""
    tokens, previous = [], None
    for seg in passage.segments:
        who = seg.speaker_name or seg.speaker_label
        if who and who != previous:
            tokens.extend(name_tokens.get(who, ()))
        tokens.extend(segment_tokens.get(seg.position, ()))
        previous = who
    return tokens
