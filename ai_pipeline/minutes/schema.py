"""The minutes as structured data: the JSON Schema a model is asked for, and the validation that turns
whatever it answered into clean minutes (or refuses it).

Models cite transcript lines (`line`, `from_line`, `to_line`); speakers and times are then taken from
the transcript itself. Unknown keys are dropped, so nothing the model adds (or a transcript tricked it
into adding) reaches storage."""

import re

from ai_pipeline.llm import InvalidOutputError, parse_json_text

MAX_ITEMS = 30
MAX_TEXT = 1000
MAX_TITLE = 200

_LINE = {"type": ["integer", "null"], "description": "the transcript line number (the N of LN) it comes from"}
MODEL_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "overview": {"type": "string"},
        "key_points": {"type": "array", "items": {"type": "string"}},
        "decisions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"text": {"type": "string"}, "speaker": {"type": "string"}, "line": _LINE},
                "required": ["text"],
            },
        },
        "action_items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "owner": {"type": "string"},
                    "due": {"type": "string", "description": "the deadline as said, e.g. 다음 주 금요일"},
                    "line": _LINE,
                },
                "required": ["text"],
            },
        },
        "open_questions": {"type": "array", "items": {"type": "string"}},
        "topics": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"title": {"type": "string"}, "from_line": _LINE, "to_line": _LINE},
                "required": ["title"],
            },
        },
    },
    "required": ["title", "overview", "key_points", "decisions", "action_items", "open_questions", "topics"],
}

SECTIONS = ("key_points", "decisions", "action_items", "open_questions", "topics")


def empty_minutes():
    return {
        "title": "",
        "overview": "",
        "key_points": [],
        "decisions": [],
        "action_items": [],
        "open_questions": [],
        "topics": [],
    }


def _text(value, limit=MAX_TEXT):
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return ""
    return " ".join(str(value).split())[:limit]


_LINE_REF = re.compile(r"^\s*L?\s*(\d+)\s*$", re.IGNORECASE)


def _line(value, line_count):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = int(value)
    elif isinstance(value, str) and _LINE_REF.match(value):
        number = int(_LINE_REF.match(value).group(1))
    else:
        return None
    return number if line_count is None or 0 <= number < line_count else None


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip(" -*•\t") for part in value.splitlines() if part.strip(" -*•\t")]
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    return []


def _strings(value):
    out = []
    for item in _as_list(value):
        if isinstance(item, dict):
            item = item.get("text") or item.get("point") or item.get("question") or item.get("title")
        text = _text(item)
        if text and text not in out:
            out.append(text)
    return out[:MAX_ITEMS]


def _items(value, keys, line_count):
    out = []
    for item in _as_list(value):
        if not isinstance(item, dict):
            item = {"text": item}
        clean = {}
        for key in keys:
            if key in ("line", "from_line", "to_line"):
                clean[key] = _line(item.get(key), line_count)
            else:
                clean[key] = _text(item.get(key), MAX_TITLE if key != "text" else MAX_TEXT)
        main = "title" if "title" in keys else "text"
        if clean[main]:
            out.append(clean)
    return out[:MAX_ITEMS]


def normalize(data, line_count=None):
    """Clean model output into the minutes shape. Raises InvalidOutputError when it is not minutes at all."""
    if not isinstance(data, dict):
        raise InvalidOutputError("The answer is not a JSON object.")
    if not any(key in data for key in ("overview", "key_points", "summary", "decisions", "action_items")):
        raise InvalidOutputError("The answer has none of the minutes' fields.")
    minutes = empty_minutes()
    minutes["title"] = _text(data.get("title"), MAX_TITLE)
    minutes["overview"] = _text(data.get("overview") or data.get("summary"), 3000)
    minutes["key_points"] = _strings(data.get("key_points"))
    minutes["open_questions"] = _strings(data.get("open_questions"))
    minutes["decisions"] = _items(data.get("decisions"), ("text", "speaker", "line"), line_count)
    minutes["action_items"] = _items(data.get("action_items"), ("text", "owner", "due", "line"), line_count)
    minutes["topics"] = _items(data.get("topics"), ("title", "from_line", "to_line"), line_count)
    if not minutes["overview"] and not minutes["key_points"]:
        raise InvalidOutputError("The answer has neither an overview nor key points.")
    return minutes


def parse_minutes(text, line_count=None):
    """Model text -> clean minutes (code fences and chatter around the JSON are ignored)."""
    return normalize(parse_json_text(text), line_count)
