"""Refresh the Korean catalogue: collect msgids (makemessages), fill empty msgstr from the
engineers' drafts in locale_drafts/*.tsv (msgid<TAB>Korean), compile, and list what is missing.

    .venv/bin/python scripts/translate.py
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def load_drafts():
    drafts = {}
    for path in sorted((ROOT / "locale_drafts").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "\t" in line and not line.startswith("#"):
                msgid, korean = line.split("\t", 1)
                if korean.strip():
                    drafts.setdefault(msgid, korean.strip())
    return drafts


def placeholders(text):
    return set(re.findall(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", text))


def main():
    env = {**os.environ, "DEBUG": "1"}
    (ROOT / "locale").mkdir(exist_ok=True)
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "ko", "-d", domain, "--no-obsolete",
             "--ignore=.venv*", "--ignore=tests/*", "--ignore=bench/*", "--ignore=var/*"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
    import polib

    drafts = load_drafts()
    catalogue = polib.pofile(str(PO))
    missing = []
    for entry in catalogue:
        if "fuzzy" in entry.flags:
            # msgmerge's guess from a similar msgid: never trust it, translate afresh.
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
        if entry.msgid_plural:
            if not any(entry.msgstr_plural.values()):
                singular = drafts.get(entry.msgid) or drafts.get(entry.msgid_plural)
                if singular and placeholders(singular) <= placeholders(entry.msgid_plural):
                    entry.msgstr_plural = {0: singular}
                else:
                    missing.append(entry.msgid)
        elif not entry.msgstr:
            draft = drafts.get(entry.msgid)
            if draft and placeholders(draft) == placeholders(entry.msgid):
                entry.msgstr = draft
            else:
                missing.append(entry.msgid)
    catalogue.metadata["Language"] = "ko"
    catalogue.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    catalogue.save()
    subprocess.run([sys.executable, "manage.py", "compilemessages", "-l", "ko", "--ignore=.venv*"], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip
    print(f"{len(catalogue) - len(missing)} translated, {len(missing)} missing")
    for msgid in missing:
        print("  missing:", msgid.replace("\n", "\\n")[:100])


if __name__ == "__main__":
    main()
