"""Minutes as Markdown (the editable form) and as DOCX (made from that Markdown, so edits carry over).
Headings follow the minutes' language, not the reader's UI language: the document is the meeting's."""

import io
import re

from .turns import clock

HEADINGS = {
    "ko": {
        "overview": "개요",
        "key_points": "주요 내용",
        "decisions": "결정 사항",
        "action_items": "할 일",
        "open_questions": "미결 사항",
        "topics": "논의 주제",
        "owner": "담당",
        "due": "기한",
        "extractive": "추출 요약: 전사문에서 고른 문장이며 언어 모델을 사용하지 않았습니다.",
        "none": "없음",
        "untitled": "회의록",
    },
    "en": {
        "overview": "Overview",
        "key_points": "Key points",
        "decisions": "Decisions",
        "action_items": "Action items",
        "open_questions": "Open questions",
        "topics": "Topics",
        "owner": "owner",
        "due": "due",
        "extractive": "Extractive summary: sentences picked from the transcript; no language model was used.",
        "none": "None",
        "untitled": "Meeting minutes",
    },
}


def _when(seconds):
    return f" ({clock(seconds)})" if seconds is not None else ""


def to_markdown(data, *, date=None):
    words = HEADINGS.get(data.get("language"), HEADINGS["ko"])
    lines = [f"# {data.get('title') or words['untitled']}", ""]
    if date:
        lines += [f"{date.isoformat()}", ""]
    if data.get("extractive") and not (data.get("overview") or "").startswith(words["extractive"]):
        lines += [f"> {words['extractive']}", ""]
    lines += [f"## {words['overview']}", "", data.get("overview") or words["none"], ""]

    def section(key, items):
        nonlocal lines
        lines += [f"## {words[key]}", ""]
        lines += items or [f"- {words['none']}"]
        lines.append("")

    section("key_points", [f"- {p}" for p in data.get("key_points", [])])
    section(
        "decisions",
        [
            f"- {d['text']}" + (f" — {d['speaker']}" if d.get("speaker") else "") + _when(d.get("start"))
            for d in data.get("decisions", [])
        ],
    )
    actions = []
    for item in data.get("action_items", []):
        extra = []
        if item.get("owner"):
            extra.append(f"{words['owner']}: {item['owner']}")
        if item.get("due_date") or item.get("due"):
            due = item.get("due_date") or item.get("due")
            if item.get("due_date") and item.get("due"):
                due = f"{item['due_date']} ({item['due']})"
            extra.append(f"{words['due']}: {due}")
        actions.append(f"- [ ] {item['text']}" + (f" — {', '.join(extra)}" if extra else ""))
    section("action_items", actions)
    section("open_questions", [f"- {q}" for q in data.get("open_questions", [])])
    topics = []
    for topic in data.get("topics", []):
        span = ""
        if topic.get("start") is not None:
            span = (
                f" ({clock(topic['start'])}–{clock(topic['end'])})"
                if topic.get("end") is not None
                else _when(topic["start"])
            )
        topics.append(f"- {topic['title']}{span}")
    section("topics", topics)
    return "\n".join(lines).rstrip() + "\n"


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(?:\[( |x|X)\]\s+)?(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_INLINE = re.compile(r"\*\*(.+?)\*\*|__(.+?)__|\*(.+?)\*|`(.+?)`")


def _add_inline(paragraph, text):
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            paragraph.add_run(text[position : match.start()])
        bold, bold2, italic, code = match.groups()
        run = paragraph.add_run(bold or bold2 or italic or code)
        run.bold = bool(bold or bold2)
        run.italic = bool(italic)
        position = match.end()
    if position < len(text):
        paragraph.add_run(text[position:])


def markdown_to_docx(markdown_text):
    """A .docx from the Markdown subset minutes use: headings, bullets, check boxes, quotes, paragraphs."""
    from docx import Document

    document = Document()
    for raw in (markdown_text or "").splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        heading = _HEADING.match(line)
        if heading:
            document.add_heading(heading.group(2).strip(), level=min(len(heading.group(1)) - 1, 4))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            mark = {" ": "☐ ", "x": "☑ ", "X": "☑ "}.get(bullet.group(1) or "", "")
            _add_inline(document.add_paragraph(style="List Bullet"), mark + bullet.group(2))
            continue
        numbered = _NUMBERED.match(line)
        if numbered:
            _add_inline(document.add_paragraph(style="List Number"), numbered.group(1))
            continue
        if line.startswith(">"):
            _add_inline(document.add_paragraph(style="Intense Quote"), line.lstrip("> "))
            continue
        _add_inline(document.add_paragraph(), line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
