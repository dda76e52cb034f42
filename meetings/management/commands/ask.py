"""`manage.py ask "QUESTION" --org SLUG [--provider NAME] --json`.

The JSON shape is a contract the team's evaluation relies on; keep it stable:
{"answer": "...", "citations": [{"meeting": external id (or the meeting id when it has none),
  "position": segment position, "start": seconds}]}"""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from nexochat.errors import ServiceError


class Command(BaseCommand):
    help = "Ask the archive chatbot a question about an organization's meetings."

    def add_arguments(self, parser):
        parser.add_argument("question")
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument(
            "--provider", default=None, help="LLM provider (default: the organization's or LLM_PROVIDER)"
        )
        parser.add_argument("--meeting", help="only this meeting (a meeting id or external id)")
        parser.add_argument("--json", action="store_true", help="print the answer as JSON")

    def handle(self, *args, **options):
        from ai_pipeline.llm import LLMError
        from ai_pipeline.models import MeetingSource
        from meetings.chat.ask import answer
        from meetings.minutes.configuration import provider_for
        from meetings.search.importer import external_ids

        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        try:
            provider = provider_for(organization, options["provider"])
        except (LLMError, ServiceError) as exc:
            raise CommandError(str(exc)) from exc
        filters = {}
        if options["meeting"]:
            value = options["meeting"]
            source = MeetingSource.objects.filter(organization=organization, external_id=value).first()
            filters["meeting"] = [source.meeting_id if source else (int(value) if value.isdigit() else -1)]
        result = answer([organization.pk], options["question"], filters=filters, provider=provider)
        if result.note:
            self.stderr.write(result.note)
        names = external_ids({c["meeting_id"] for c in result.citations})
        payload = {
            "answer": result.text,
            "citations": [
                {"meeting": names.get(c["meeting_id"], c["meeting_id"]), "position": c["position"], "start": c["start"]}
                for c in result.citations
            ],
        }
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(payload["answer"])
        for citation, row in zip(result.citations, payload["citations"], strict=True):
            self.stdout.write(f"  [{citation['n']}] {row['meeting']} #{row['position']} @{row['start']:.0f}s")
