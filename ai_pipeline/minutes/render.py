"""Minutes as Markdown, and back: `to_markdown` writes the structure, `parse_markdown` reads an edited text
into the same structure (or says which line it cannot read and what it expected), and DOCX is made from the
Markdown. Headings follow the minutes' language, not the reader's UI language: the document is the
meeting's; either language's headings are read back.

The format, one line per item:

    # Title
    2026-11-25                                  (the meeting's date; ignored when read back)
    > note                                      (the extractive label; ignored when read back)
    ## 개요 / Overview                           free text; blank lines separate paragraphs
    ## 주요 내용 / Key points                     - point
    ## 결정 사항 / Decisions                      - text — who said it (03:21)
    ## 할 일 / Action items                       - [ ] text — 담당: owner, 기한: 2026-12-04 (다음 주 금요일) (03:21)
    ## 미결 사항 / Open questions                 - question
    ## 논의 주제 / Topics                         - title (00:00–05:12)

"[x]" marks a done action item; a time in brackets links the item to that moment of the recording."""

import datetime
import io
import re

from django.utils.translation import gettext as _

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
        "extractive": "추출 요약: 녹취록에서 고른 문장이며 언어 모델을 사용하지 않았습니다.",
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
SECTIONS = ("overview", "key_points", "decisions", "action_items", "open_questions", "topics")
MAX_ITEMS = 30
MAX_TEXT = 1000
MAX_OVERVIEW = 3000
MAX_NAME = 100


def _when(seconds):
    return f" ({clock(seconds)})" if seconds is not None else ""


def to_markdown(data, *, date=None):
    words = HEADINGS.get(data.get("language"), HEADINGS["ko"])
    lines = [f"# {data.get('title') or words['untitled']}", ""]
    if date:
        lines += [f"{date.isoformat()}", ""]
    if data.get("extractive"):
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
        box = "[x]" if item.get("done") else "[ ]"
        tail = f" — {', '.join(extra)}" if extra else ""
        actions.append(f"- {box} {item['text']}{tail}{_when(item.get('start'))}")
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


# --- reading an edited text back ----------------------------------------------------------------


class MarkdownError(ValueError):
    """The text cannot be read as minutes. `line` is 1-based (None when no single line is at fault);
    the message is for the person who wrote it, in the active language."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


_SECTION_NAMES = {re.sub(r"\s+", " ", words[key]).lower(): key for words in HEADINGS.values() for key in SECTIONS} | {
    "요약": "overview",
    "summary": "overview",
    "할 일 목록": "action_items",
    "to-do": "action_items",
}
_NONE = {words["none"].lower() for words in HEADINGS.values()}
_OWNER_LABELS = {"담당", "담당자", "owner", "assignee"}
_DUE_LABELS = {"기한", "마감", "due", "deadline"}
_LABEL_SPLIT = re.compile(r",\s*(?=(?:담당자?|owner|assignee|기한|마감|due|deadline)\s*:)", re.IGNORECASE)
_TIME = r"(?:\d+:)?\d{1,2}:\d{2}"
_TRAILING_TIME = re.compile(rf"\s*\(({_TIME})\)\s*$")
_TRAILING_SPAN = re.compile(rf"\s*\(({_TIME})\s*[–-]\s*({_TIME})\)\s*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DUE_WITH_WORDS = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*\((.+)\)$")
_DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s+(?:\[( |x|X)\]\s+)?(.*)$")


def _seconds(text):
    parts = [int(part) for part in text.split(":")]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return float(seconds)


def _section_title(key, language):
    return HEADINGS.get(language, HEADINGS["ko"])[key]


class _Reader:
    def __init__(self, language):
        self.language = language if language in HEADINGS else "ko"
        self.data = {"title": "", "overview": "", **{key: [] for key in SECTIONS[1:]}}
        self.seen = set()
        self.section = None
        self.overview = []  # paragraphs of lines
        self.last_item_line = None

    def fail(self, line, message, **values):
        raise MarkdownError(_("Line %(line)s: %(problem)s") % {"line": line, "problem": message % values}, line)

    def heading(self, number, level, text):
        name = re.sub(r"\s+", " ", text.strip().rstrip(":")).lower()
        if level == 1:
            if self.seen or self.data["title"]:
                self.fail(number, _("a second title. The minutes have one title line, starting with “# ”."))
            self.data["title"] = text.strip()[:200]
            return
        key = _SECTION_NAMES.get(name)
        if key is None:
            names = ", ".join(f"“## {_section_title(k, self.language)}”" for k in SECTIONS)
            self.fail(
                number,
                _("“%(heading)s” is not a section of the minutes. Use one of: %(sections)s."),
                heading=text.strip(),
                sections=names,
            )
        if key in self.seen:
            self.fail(number, _("the section “%(heading)s” appears twice."), heading=text.strip())
        self.seen.add(key)
        self.section = key
        self.last_item_line = None

    def text_line(self, number, raw):
        line = raw.strip()
        if self.section is None:
            if not line or _DATE_LINE.match(line) or line.startswith(">"):
                return  # the meeting's date and the extractive label, as to_markdown writes them
            self.fail(
                number,
                _("text before the first section. Sections start with a heading such as “## %(overview)s”."),
                overview=_section_title("overview", self.language),
            )
        if self.section == "overview":
            if not line:
                if self.overview and self.overview[-1]:
                    self.overview.append([])
                return
            if not self.overview:
                self.overview.append([])
            self.overview[-1].append(line)
            return
        if not line:
            self.last_item_line = None
            return
        item = _ITEM.match(line)
        if item is None:
            if raw[:1] in (" ", "\t") and self.last_item_line is not None:
                self._continue(number, line)
                return
            self.fail(
                number,
                _("expected a list item starting with “- ” under “%(section)s”."),
                section=_section_title(self.section, self.language),
            )
        self._item(number, item.group(2).strip(), (item.group(1) or "").lower() == "x")

    def _item(self, number, text, done):
        items = self.data[self.section]
        if text.lower() in _NONE and not items:
            return
        if len(items) >= MAX_ITEMS:
            self.fail(
                number,
                _("“%(section)s” can hold at most %(limit)s items."),
                section=_section_title(self.section, self.language),
                limit=MAX_ITEMS,
            )
        items.append({"number": number, "text": text, "done": done})
        self.last_item_line = number

    def _continue(self, number, line):
        self.data[self.section][-1]["text"] += " " + line

    def result(self):
        paragraphs = ["\n".join(lines) for lines in self.overview if lines]
        overview = "\n\n".join(paragraphs).strip()
        if overview.lower() in _NONE:
            overview = ""
        if len(overview) > MAX_OVERVIEW:
            raise MarkdownError(_("The overview is longer than %(limit)s characters.") % {"limit": MAX_OVERVIEW})
        data = {"title": self.data["title"], "overview": overview}
        data["key_points"] = [self._plain(item) for item in self.data["key_points"]]
        data["open_questions"] = [self._plain(item) for item in self.data["open_questions"]]
        data["decisions"] = [self._decision(item) for item in self.data["decisions"]]
        data["action_items"] = [self._action(item) for item in self.data["action_items"]]
        data["topics"] = [self._topic(item) for item in self.data["topics"]]
        if not data["overview"] and not data["key_points"]:
            raise MarkdownError(_("The minutes need an overview or at least one key point."))
        return data

    def _checked(self, item, text):
        text = " ".join(text.split())
        if not text:
            self.fail(item["number"], _("this item is empty."))
        if len(text) > MAX_TEXT:
            self.fail(item["number"], _("this item is longer than %(limit)s characters."), limit=MAX_TEXT)
        return text

    def _plain(self, item):
        return self._checked(item, item["text"])

    @staticmethod
    def _time(text):
        match = _TRAILING_TIME.search(text)
        if not match:
            return text, None
        return text[: match.start()], _seconds(match.group(1))

    def _decision(self, item):
        text, start = self._time(item["text"])
        body, separator, speaker = text.rpartition(" — ")
        if not separator or not body.strip() or len(speaker) > MAX_NAME:
            body, speaker = text, ""
        return {"text": self._checked(item, body), "speaker": speaker.strip(), "start": start}

    def _action(self, item):
        text, start = self._time(item["text"])
        body, separator, tail = text.rpartition(" — ")
        owner = due = due_date = ""
        labelled = separator and body.strip() and all(":" in part for part in _LABEL_SPLIT.split(tail))
        if labelled:
            for part in _LABEL_SPLIT.split(tail):
                label, _colon, value = part.partition(":")
                label, value = label.strip().lower(), value.strip()
                if label in _OWNER_LABELS:
                    owner = value
                elif label in _DUE_LABELS:
                    due, due_date = self._due(item, value)
                else:
                    labelled = False
        if not labelled:
            body, owner, due, due_date = text, "", "", ""
        if len(owner) > MAX_NAME or len(due) > MAX_NAME:
            self.fail(
                item["number"], _("the owner or the due date is longer than %(limit)s characters."), limit=MAX_NAME
            )
        return {
            "text": self._checked(item, body),
            "owner": owner,
            "due": due,
            "due_date": due_date or None,
            "start": start,
            "done": item["done"],
        }

    def _due(self, item, value):
        """(due as said, ISO date) from "2026-12-04 (다음 주 금요일)", "2026-12-04" or "다음 주 금요일"."""
        match = _DUE_WITH_WORDS.match(value)
        date_text, words = (match.group(1), match.group(2).strip()) if match else (value, "")
        iso = _ISO_DATE.match(date_text)
        if not iso:
            return value, ""
        try:
            day = datetime.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            self.fail(item["number"], _("“%(value)s” is not a date; write it as YYYY-MM-DD."), value=date_text)
        return words, day.isoformat()

    def _topic(self, item):
        text = item["text"]
        span = _TRAILING_SPAN.search(text)
        if span:
            return {
                "title": self._checked(item, text[: span.start()]),
                "start": _seconds(span.group(1)),
                "end": _seconds(span.group(2)),
            }
        title, start = self._time(text)
        return {"title": self._checked(item, title), "start": start, "end": None}


def parse_markdown(text, *, language="ko"):
    """An edited Markdown text -> the minutes' structure (title, overview, key points, decisions with who
    said them, action items with owner, due and done, open questions, topics; times in seconds).
    Raises MarkdownError with the line at fault and what was expected there."""
    reader = _Reader(language)
    lines = (text or "").replace("\r\n", "\n").split("\n")
    if not any(line.strip() for line in lines):
        raise MarkdownError(_("The minutes cannot be empty."))
    for number, raw in enumerate(lines, start=1):
        if raw.strip().startswith("```"):
            reader.fail(number, _("code blocks are not part of the minutes' format."))
        heading = _HEADING.match(raw.rstrip())
        if heading:
            reader.heading(number, len(heading.group(1)), heading.group(2))
        else:
            reader.text_line(number, raw.rstrip())
    return reader.result()


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
