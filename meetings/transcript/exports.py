"""Transcript exports: pure functions from (meeting, speakers, segments, gaps) to a file.

Every format carries speaker names and times, marks low-confidence text, and shows the speech that has
no text (gaps) where it happened. `export_transcript` returns an Export with the bytes,
the content type and a file name made from the meeting title (Korean titles keep their letters)."""

import io
import json
from dataclasses import dataclass
from urllib.parse import quote

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy

FORMATS = {
    "txt": ("text/plain; charset=utf-8", gettext_lazy("Plain text")),
    "srt": ("application/x-subrip; charset=utf-8", "SRT"),
    "vtt": ("text/vtt; charset=utf-8", "WebVTT"),
    "json": ("application/json", "JSON"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)"),
    "md": ("text/markdown; charset=utf-8", "Markdown"),
}


@dataclass
class Export:
    content: bytes
    content_type: str
    filename: str

    def content_disposition(self):
        """attachment; with an ASCII fallback name and the real (UTF-8) name per RFC 5987/6266."""
        if self.filename.isascii() and '"' not in self.filename and "\\" not in self.filename:
            return f'attachment; filename="{self.filename}"'
        # Old clients that ignore filename* get a plain name rather than a mangled one.
        fallback = "transcript." + self.filename.rpartition(".")[2]
        return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(self.filename, safe='')}"


class UnknownFormat(ValueError):
    pass


def speaker_name(segment):
    return segment.speaker.display_name if segment.speaker_id else "?"


def filename_for(meeting, extension):
    stem = slugify(meeting.title, allow_unicode=True)[:80].strip("-_") or f"meeting-{meeting.pk}"
    return f"{stem}.{extension}"


def clock(seconds, separator=None, hours=True):
    """00:01:02 (or 00:01:02,500 with a millisecond separator)."""
    millis = max(0, round(float(seconds) * 1000))
    total, ms = divmod(millis, 1000)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = f"{h:02d}:{m:02d}:{s:02d}" if hours or h else f"{m:02d}:{s:02d}"
    return f"{text}{separator}{ms:03d}" if separator else text


def _held_at(meeting):
    return timezone.localtime(meeting.held_at).strftime("%Y-%m-%d %H:%M")


def in_time_order(segments, gaps):
    """Segments and gaps interleaved by start time."""
    return sorted([*segments, *gaps], key=lambda item: (item.start, item.end))


def gap_note(gap):
    """[no text: 0:54 of speech — speech detected, not recognised]"""
    return gettext("[no text: %(length)s of speech — %(reason)s]") % {
        "length": clock(gap.duration, hours=False),
        "reason": gap.get_reason_display(),
    }


LOW_CONFIDENCE_MARK = "(?)"


def marked_text(segment):
    text = " ".join(segment.text.split())
    return f"{LOW_CONFIDENCE_MARK} {text}" if segment.is_low_confidence else text


def to_txt(meeting, speakers, segments, gaps=()):
    lines = [meeting.title, _held_at(meeting), ""]
    for item in in_time_order(segments, gaps):
        text = gap_note(item) if item.is_gap else marked_text(item)
        lines.append(f"[{clock(item.start)}] {speaker_name(item)}: {text}")
    if any(segment.is_low_confidence for segment in segments):
        lines += ["", gettext("%(mark)s marks text the recogniser was unsure of.") % {"mark": LOW_CONFIDENCE_MARK}]
    return "\n".join(lines) + "\n"


def to_srt(meeting, speakers, segments, gaps=()):
    blocks = []
    for index, item in enumerate(in_time_order(segments, gaps), start=1):
        times = f"{clock(item.start, ',')} --> {clock(item.end, ',')}"
        text = gap_note(item) if item.is_gap else marked_text(item)
        blocks.append(f"{index}\n{times}\n{speaker_name(item)}: {text}\n")
    return "\n".join(blocks)


def _vtt_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(meeting, speakers, segments, gaps=()):
    blocks = [f"WEBVTT - {_vtt_escape(' '.join(meeting.title.split()))}\n"]
    for index, item in enumerate(in_time_order(segments, gaps), start=1):
        times = f"{clock(item.start, '.')} --> {clock(item.end, '.')}"
        voice = _vtt_escape(speaker_name(item))
        text = _vtt_escape(gap_note(item) if item.is_gap else marked_text(item))
        blocks.append(f"{index}\n{times}\n<v {voice}>{text}</v>\n")
    return "\n".join(blocks)


def gap_data(gap):
    return {
        "start": gap.start,
        "end": gap.end,
        "speaker": gap.speaker.label if gap.speaker_id else None,
        "speaker_name": speaker_name(gap) if gap.speaker_id else None,
        "reason": gap.reason,
        "reason_text": gap.get_reason_display(),
    }


def suggested_name(speaker):
    """The name of the member a voiceprint suggested for this speaker (not yet confirmed), or None."""
    if not speaker.suggested_member_id:
        return None
    return speaker.suggested_member.name or str(speaker.suggested_member)


def transcript_data(meeting, speakers, segments, gaps=(), coverage=None):
    """The transcript as plain data: the JSON export and the API share this shape."""
    recording = meeting.recording
    duration = recording.duration if recording and recording.duration else None
    if duration is None and segments:
        duration = max(segment.end for segment in segments)
    return {
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "held_at": meeting.held_at.isoformat(),
            "language": meeting.language,
            "duration": duration,
        },
        "speakers": [
            {
                "id": speaker.pk,
                "label": speaker.label,
                "name": speaker.name,
                "display_name": speaker.display_name,
                "color": speaker.color,
                "member": speaker.member_id,
                "suggested": speaker.suggested_member_id,
                "suggested_name": suggested_name(speaker),
                "confidence": speaker.suggestion_confidence if speaker.suggested_member_id else None,
            }
            for speaker in speakers
        ],
        "segments": [
            {
                "id": segment.pk,
                "position": segment.position,
                "speaker": segment.speaker.label if segment.speaker_id else None,
                "speaker_name": speaker_name(segment) if segment.speaker_id else None,
                "start": segment.start,
                "end": segment.end,
                "text": segment.text,
                "original_text": segment.original_text,
                "edited": bool(segment.original_text) and segment.text != segment.original_text,
                "confidence": segment.confidence,
                "low_confidence": segment.is_low_confidence,
                "words": segment.words or [],
            }
            for segment in segments
        ],
        "gaps": [gap_data(gap) for gap in gaps],
        "coverage": coverage,
    }


def to_json(meeting, speakers, segments, gaps=(), coverage=None):
    data = transcript_data(meeting, speakers, segments, gaps, coverage)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


_MARKDOWN_SPECIAL = str.maketrans({ch: f"\\{ch}" for ch in "\\`*_[]<>#|"})


def to_markdown(meeting, speakers, segments, gaps=()):
    lines = [f"# {meeting.title.translate(_MARKDOWN_SPECIAL)}", "", f"*{_held_at(meeting)}*", ""]
    for item in in_time_order(segments, gaps):
        name = speaker_name(item).translate(_MARKDOWN_SPECIAL)
        lines.append(f"**{name}** `{clock(item.start)}`  ")
        if item.is_gap:
            lines.append(f"*{gap_note(item).translate(_MARKDOWN_SPECIAL)}*")
        else:
            lines.append(marked_text(item).translate(_MARKDOWN_SPECIAL))
        lines.append("")
    return "\n".join(lines)


def to_docx(meeting, speakers, segments, gaps=()):
    from docx import Document
    from docx.shared import RGBColor

    document = Document()
    document.core_properties.title = meeting.title
    document.add_heading(meeting.title, level=1)
    document.add_paragraph(_held_at(meeting))
    grey = RGBColor(0x6B, 0x72, 0x80)
    for item in in_time_order(segments, gaps):
        paragraph = document.add_paragraph()
        stamp = paragraph.add_run(f"[{clock(item.start)}] ")
        stamp.font.color.rgb = grey
        paragraph.add_run(f"{speaker_name(item)}: ").bold = True
        text = paragraph.add_run(gap_note(item) if item.is_gap else marked_text(item))
        if item.is_gap or item.is_low_confidence:
            text.font.color.rgb = grey
            text.italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_WRITERS = {
    "txt": to_txt,
    "srt": to_srt,
    "vtt": to_vtt,
    "json": to_json,
    "docx": to_docx,
    "md": to_markdown,
}


def export_transcript(fmt, meeting, speakers, segments, gaps=(), coverage=None):
    fmt = (fmt or "").lower()
    if fmt not in _WRITERS:
        raise UnknownFormat(fmt)
    if fmt == "json":
        content = to_json(meeting, list(speakers), list(segments), list(gaps), coverage)
    else:
        content = _WRITERS[fmt](meeting, list(speakers), list(segments), list(gaps))
    if isinstance(content, str):
        content = content.encode("utf-8")
    return Export(content=content, content_type=FORMATS[fmt][0], filename=filename_for(meeting, fmt))
