"""`manage.py rebuild_index [--meeting ID] [--org SLUG] [--backend milvus]`: (re)build the search index.

--backend milvus also writes every meeting's passages to Milvus (MILVUS_URI), whatever SEARCH_BACKEND says:
run it before switching to it, and to catch up on meetings marked "index out of date".

Unchanged segments are not embedded again (their vectors are kept by content hash), so a rebuild that
stopped goes quickly through what it had done. Progress (meetings, rate, time left) goes to stderr."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ai_pipeline.models import OutOfDateIndex
from meetings.models import Meeting


class Command(BaseCommand):
    help = "Rebuild the search index for all meetings, one organization's, or one meeting."

    def add_arguments(self, parser):
        parser.add_argument("--meeting", type=int, action="append", help="a meeting id (repeatable)")
        parser.add_argument("--org", help="organization slug")
        parser.add_argument(
            "--backend",
            choices=["local", "milvus"],
            default="local",
            help="milvus: also write the passages to Milvus (MILVUS_URI)",
        )

    def handle(self, *args, **options):
        from meetings.search.indexing import rebuild_index

        meetings = Meeting.objects.order_by("pk")
        if options["meeting"]:
            meetings = meetings.filter(pk__in=options["meeting"])
            missing = set(options["meeting"]) - set(meetings.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No meeting with id {', '.join(map(str, sorted(missing)))}.")
        if options["org"]:
            meetings = meetings.filter(organization__slug=options["org"])
        total = meetings.count()
        began = time.monotonic()

        bar = tqdm(total=total, unit="meeting", desc="index", file=sys.stderr, disable=options["verbosity"] == 0)

        def progress(meeting, done):
            bar.set_postfix_str(f"{meeting.pk} {meeting.title[:40]}")
            bar.update(done - bar.n)

        with bar:
            count, passages = rebuild_index(meetings.iterator(), progress=progress, backend=options["backend"])
        self.stdout.write(f"Indexed {count} meetings, {passages} passages in {time.monotonic() - began:.1f}s.")
        if options["backend"] != "local":
            late = OutOfDateIndex.objects.filter(meeting_id__in=meetings.values("pk")).count()
            if late:
                raise CommandError(f"{late} meetings could not be written to {options['backend']}; run it again.")
