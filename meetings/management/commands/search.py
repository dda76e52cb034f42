"""`manage.py search "QUERY" --org SLUG [--limit 10] --json`.

The JSON shape is a contract the team's evaluation relies on; keep it stable:
[{"meeting": external id (or the meeting id when it has none), "position": segment position,
  "start": seconds, "score": x, "snippet": "..."}]
Only hits that clear the relevance floor are listed, so nothing relevant prints []; stderr then says
what was searched and lists near misses. `--json --details` prints an object instead:
{"results": [the list above], "found", "searched": {...}, "suggestions": [...]} (suggestions are
never answers: "is_answer": false)."""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization


class Command(BaseCommand):
    help = "Search an organization's meetings."

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--json", action="store_true", help="print the results as JSON")
        parser.add_argument(
            "--details",
            action="store_true",
            help="with --json: an object with the results, what was searched and near misses when nothing was found",
        )
        parser.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid")
        parser.add_argument("--from", dest="date_from", help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="YYYY-MM-DD")
        parser.add_argument("--speaker")
        parser.add_argument("--tag")
        parser.add_argument("--meeting", help="a meeting id or external id")

    def handle(self, *args, **options):
        from ai_pipeline.models import MeetingSource
        from ai_pipeline.search.engine import SearchUnavailable
        from ai_pipeline.search.present import describe_suggestion, not_an_answer, outcome_data, searched_lines
        from meetings.search import explain_search
        from meetings.search.importer import external_ids

        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        filters = {key: options[key] for key in ("date_from", "date_to", "speaker", "tag") if options[key]}
        if options["meeting"]:
            value = options["meeting"]
            source = MeetingSource.objects.filter(organization=organization, external_id=value).first()
            filters["meeting"] = source.meeting_id if source else (int(value) if value.isdigit() else -1)
        try:
            outcome = explain_search(
                [organization.pk],
                options["query"],
                filters=filters,
                limit=max(1, options["limit"]),
                mode=options["mode"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except SearchUnavailable as exc:
            raise CommandError(f"Search is unavailable: the search index did not answer ({exc}).") from exc
        hits = outcome.hits
        names = external_ids({hit.meeting_id for hit in hits} | {s.meeting_id for s in outcome.suggestions})
        rows = [
            {
                "meeting": names.get(hit.meeting_id, hit.meeting_id),
                "position": hit.position,
                "start": round(hit.start, 2),
                "score": round(hit.score, 6),
                "snippet": hit.snippet,
            }
            for hit in hits
        ]
        explained = []
        if not rows:
            explained = [*searched_lines(outcome, filters)]
            if outcome.suggestions:
                explained.append(not_an_answer())
                explained += [f"- {describe_suggestion(s)}" for s in outcome.suggestions]
        if options["json"]:
            if options["details"]:
                payload = {"results": rows, **outcome_data(outcome, filters, lambda pk: names.get(pk, pk))}
                self.stdout.write(json.dumps(payload, ensure_ascii=False, default=str))
            else:
                self.stdout.write(json.dumps(rows, ensure_ascii=False))
                if explained:
                    self.stderr.write("No results. " + "\n".join(explained))
            return
        if not rows:
            self.stdout.write("No results.")
            for line in explained:
                self.stdout.write(line)
        for row in rows:
            self.stdout.write(
                f"{row['score']:.4f}  {row['meeting']} #{row['position']} @{row['start']:.0f}s  {row['snippet']}"
            )
