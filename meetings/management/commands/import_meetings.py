"""`manage.py import_meetings FILE.jsonl --org SLUG [--no-index] [--json]`.

Imports meetings in the evaluation corpus format into the organization (created when missing),
keeping each record's `id` as the meeting's external id (re-importing an id replaces it), then
indexes them. A record already imported with the same content and indexed is left as it is ("unchanged"),
so an import that stopped half-way goes on where it stopped. Progress (meetings, turns per second, time
left) goes to stderr. With --json it prints
{"organization": slug, "created": n, "replaced": n, "unchanged": n, "meetings": [{"id": external id,
 "meeting": pk, "segments": n, "passages": n, "unchanged": bool}]}."""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm


class Command(BaseCommand):
    help = "Import meetings from a JSON Lines file (the evaluation corpus format) and index them."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organization slug (created when missing)")
        parser.add_argument("--no-index", action="store_true", help="import only; run rebuild_index later")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        from meetings.search.importer import already_imported, get_or_create_organization, import_meeting, read_jsonl
        from meetings.search.indexing import index_meeting

        organization = get_or_create_organization(options["org"])
        created = replaced = unchanged = 0
        report = []
        began = time.monotonic()
        try:
            records = list(read_jsonl(options["file"]))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict) or "id" not in record:
                raise CommandError(f"record {number}: no 'id'.")
        bar = tqdm(
            total=sum(len(record.get("turns") or []) for record in records),
            unit="turn",
            desc="import",
            file=sys.stderr,
            disable=options["verbosity"] == 0,
            dynamic_ncols=True,
        )
        with bar:
            for record in records:
                meeting = None if options["no_index"] else already_imported(organization, record)
                skipped = meeting is not None
                if skipped:
                    unchanged += 1
                    passages = meeting.passages.count()
                else:
                    meeting, was_created = import_meeting(organization, record)
                    created += was_created
                    replaced += not was_created
                    passages = 0 if options["no_index"] else index_meeting(meeting)
                report.append(
                    {
                        "id": str(record["id"]),
                        "meeting": meeting.pk,
                        "segments": meeting.segments.count(),
                        "passages": passages,
                        "unchanged": skipped,
                    }
                )
                bar.set_postfix_str(f"{len(report)}/{len(records)} meetings")
                bar.update(len(record.get("turns") or []))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "organization": organization.slug,
                        "created": created,
                        "replaced": replaced,
                        "unchanged": unchanged,
                        "meetings": report,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            self.stdout.write(
                f"Imported {len(records)} meetings into {organization.slug} ({created} new, {replaced} replaced, "
                f"{unchanged} unchanged) in {time.monotonic() - began:.1f}s."
            )
