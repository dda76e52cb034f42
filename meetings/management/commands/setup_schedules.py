from django.core.management.base import BaseCommand

from meetings.live import tasks as live_tasks
from meetings.recordings import retention, short_audio


class Command(BaseCommand):
    help = (
        "Create the django-q2 schedules NexoChat needs (daily retention, hourly expiry of voice questions "
        "and voice samples no worker read, every minute: finishing live recordings left idle). Safe to run on "
        "every deploy."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hour", type=int, default=3, help="Local hour of the daily retention run (default 3).")

    def handle(self, *args, hour, **options):
        for schedule, created in (
            retention.setup_schedule(hour=hour),
            short_audio.setup_schedule(),
            live_tasks.setup_schedule(),
        ):
            verb = "Created" if created else "Kept"
            self.stdout.write(f"{verb} schedule {schedule.name!r} ({schedule.func}), next run {schedule.next_run}.")
