"""Speakers in the minutes by id, shown by their current names.

Decisions and action items keep the id of the speaker who said them (`speaker_id`) and, when the owner is
one of the meeting's speakers, the owner's (`owner_speaker_id`); `speakers` keeps the name each speaker
had when the minutes were written or edited ({id: name}). `with_names` puts today's names in: the id
fields directly, and free text (an overview saying "S2 proposed...", a key point "S1: ...") by replacing
a speaker's old name wherever it stands as a name, so renaming a speaker renames it in the minutes, the
exports and the share page without writing them again."""

import copy
import re

_TEXT_FIELDS = {"decisions": ("text",), "action_items": ("text",), "topics": ("title",)}


def snapshot(names):
    """The `speakers` entry for {speaker id: name}."""
    return {str(speaker_id): name for speaker_id, name in names.items() if speaker_id is not None and name}


def speaker_id_for(name, names):
    """The id of the speaker called `name` in {id: name}, or None (also when two share the name)."""
    key = _norm(name)
    if not key:
        return None
    found = [speaker_id for speaker_id, candidate in names.items() if _norm(candidate) == key]
    return found[0] if len(found) == 1 else None


def _norm(text):
    return re.sub(r"\W+", "", (text or "").lower())


def _renamer(renames):
    """One pass over a text replacing each old name standing alone (not inside a longer word or number:
    S1 is not S10, Kim is not Kimberly; Korean particles may follow: S1이, 김민수가), so that two
    speakers who swapped names swap correctly."""
    if not renames:
        return lambda text: text
    olds = sorted(renames, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w])(" + "|".join(re.escape(old) for old in olds) + r")(?![0-9A-Za-z])")
    return lambda text: pattern.sub(lambda match: renames[match.group(1)], text) if text else text


def with_names(data, current):
    """A copy of the minutes with every speaker shown by its name in `current` ({speaker id: name})."""
    out = copy.deepcopy(data)
    written = {int(key): name for key, name in (data.get("speakers") or {}).items()}
    rename = _renamer(
        {old: current[sid] for sid, old in written.items() if sid in current and old and current[sid] != old}
    )
    out["title"] = rename(out.get("title", ""))
    out["overview"] = rename(out.get("overview", ""))
    out["key_points"] = [rename(point) for point in out.get("key_points", [])]
    out["open_questions"] = [rename(question) for question in out.get("open_questions", [])]
    for section, fields in _TEXT_FIELDS.items():
        for item in out.get(section, []):
            for field in fields:
                item[field] = rename(item.get(field, ""))
    for item in out.get("decisions", []) + out.get("action_items", []):
        if item.get("speaker_id") in current:
            item["speaker"] = current[item["speaker_id"]]
        elif item.get("speaker"):
            item["speaker"] = rename(item["speaker"])
    for item in out.get("action_items", []):
        if item.get("owner_speaker_id") in current:
            item["owner"] = current[item["owner_speaker_id"]]
        elif item.get("owner"):
            item["owner"] = rename(item["owner"])
    if written:
        out["speakers"] = snapshot({sid: current.get(sid, old) for sid, old in written.items()})
    return out
