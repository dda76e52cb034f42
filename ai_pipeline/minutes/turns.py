"""The transcript as the minutes builder sees it: numbered turns with speaker and (when known) times.

Three sources: the `transcribe --json` output, the evaluation format `{"title", "date", "turns"}`, and a
meeting's stored segments (the app reads them: meetings/minutes/generation.py turns_from_meeting). Line
numbers are the turns' positions, so anything a model cites by line maps back to a speaker and a moment
without trusting the model for either."""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    index: int
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    speaker_id: int | None = None  # the speaker's id, for turns of a stored meeting
    segment_id: int | None = None


def clock(seconds):
    if seconds is None:
        return ""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def render_line(turn):
    """One transcript line for a prompt: `L12 [03:21] 김민수: ...`."""
    time = f" [{clock(turn.start)}]" if turn.start is not None else ""
    text = " ".join(str(turn.text).split())
    return f"L{turn.index}{time} {turn.speaker or '?'}: {text}"


def _float(value):
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def turns_from_json(data):
    """(turns, title, date) from either CLI input format. Raises ValueError on anything else."""
    if not isinstance(data, dict):
        raise ValueError("The transcript must be a JSON object.")
    if isinstance(data.get("segments"), list):
        rows = data["segments"]
    elif isinstance(data.get("turns"), list):
        rows = data["turns"]
    else:
        raise ValueError('The transcript needs "segments" (transcribe --json) or "turns" ({"speaker", "text"}).')
    turns = []
    for row in rows:
        if not isinstance(row, dict):
            raise ValueError("Each turn must be an object with speaker and text.")
        text = str(row.get("text") or "").strip()
        if not text:
            continue
        turns.append(
            Turn(
                index=len(turns),
                speaker=str(row.get("speaker") or "").strip(),
                text=text,
                start=_float(row.get("start")),
                end=_float(row.get("end")),
            )
        )
    date = parse_date(data.get("date"))
    return turns, str(data.get("title") or "").strip(), date


def parse_date(value):
    if not value:
        return None
    value = str(value).strip()
    for parse in (datetime.datetime.fromisoformat, lambda v: datetime.datetime.strptime(v[:10], "%Y-%m-%d")):
        try:
            return parse(value).date()
        except ValueError:
            continue
    return None


_HANGUL_START, _HANGUL_END = "\uac00", "\ud7a3"


def detect_language(turns):
    """ "ko" when Hangul is at least a fifth of the letters, else "en"."""
    hangul = letters = 0
    for turn in turns[:200]:
        for char in turn.text:
            if char.isalpha():
                letters += 1
                if _HANGUL_START <= char <= _HANGUL_END:
                    hangul += 1
    return "ko" if letters == 0 or hangul * 5 >= letters else "en"
