"""`manage.py summarize TRANSCRIPT.json [--provider offline|hyperclova|openai|local] [--template NAME] --json`

TRANSCRIPT.json is the output of `transcribe --json` or `{"title", "date", "turns": [{"speaker", "text"}]}`.
Prints {"title", "overview", "key_points", "decisions": [{"text", "speaker"}], "action_items": [{"text",
"owner", "due"}], "open_questions", "topics"}: `due` is an ISO date when the spoken deadline could be
resolved against the date, otherwise the deadline as said, otherwise null; `topics` are
{"title", "start", "end"} (times in seconds, null when the input has none). No database writes.
The output shape is a contract the team's evaluation relies on; keep it stable."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

PROVIDERS = ["offline", "hyperclova", "clova-openai", "openai", "local"]


def contract(data):
    """The CLI's stable JSON shape from the full minutes data."""
    return {
        "title": data.get("title", ""),
        "overview": data.get("overview", ""),
        "key_points": list(data.get("key_points", [])),
        "decisions": [{"text": d["text"], "speaker": d.get("speaker") or ""} for d in data.get("decisions", [])],
        "action_items": [
            {"text": a["text"], "owner": a.get("owner") or "", "due": a.get("due_date") or a.get("due") or None}
            for a in data.get("action_items", [])
        ],
        "open_questions": list(data.get("open_questions", [])),
        "topics": [{"title": t["title"], "start": t.get("start"), "end": t.get("end")} for t in data.get("topics", [])],
    }


class Command(BaseCommand):
    help = "Write meeting minutes from a transcript JSON file (no database writes)."

    def add_arguments(self, parser):
        parser.add_argument("transcript")
        parser.add_argument("--provider", default=None, choices=PROVIDERS, help="default: LLM_PROVIDER")
        parser.add_argument("--model", default=None, help="model name, or a path/id for --provider local")
        parser.add_argument("--template", default="default", help="default or report (개조식)")
        parser.add_argument("--language", default=None, choices=["ko", "en"], help="default: detected")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **opts):
        from ai_pipeline.llm import LLMError, get_provider
        from ai_pipeline.minutes import BUILTIN_TEMPLATES, generate_minutes, to_markdown, turns_from_json

        path = Path(opts["transcript"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            turns, title, date = turns_from_json(data)
        except OSError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except ValueError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        template = BUILTIN_TEMPLATES.get(opts["template"])
        if template is None:
            raise CommandError(f"Unknown template {opts['template']!r}; choose one of {', '.join(BUILTIN_TEMPLATES)}.")
        overrides = {"model": opts["model"]} if opts["model"] else {}
        try:
            with get_provider(opts["provider"], **overrides) as provider:
                result = generate_minutes(
                    turns,
                    provider=provider,
                    template=template,
                    title=title,
                    date=date,
                    language=opts["language"],
                    on_progress=lambda f: self.stderr.write(f"[{int(f * 100):3d}%] minutes"),
                )
        except LLMError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if opts["json"]:
            self.stdout.write(json.dumps(contract(result.data), ensure_ascii=False))
        else:
            self.stdout.write(to_markdown(result.data, date=date))
