from django.core.management.base import BaseCommand

from meetings.models import VoiceQuestion, VoiceRecording
from meetings.recordings.short_audio import expire


class Command(BaseCommand):
    help = (
        "Delete the recordings of voice questions and voice samples no speech worker read within "
        "VOICE_CLIP_MAX_AGE, and mark those still waiting expired."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be expired and deleted.")

    def handle(self, *args, dry_run, **options):
        for model, what in ((VoiceQuestion, "voice questions"), (VoiceRecording, "voice samples")):
            result = expire(model, dry_run=dry_run)
            expired, deleted = len(result.expired), len(result.clips)
            if dry_run:
                self.stdout.write(f"Would expire {expired} {what} and delete {deleted} recordings.")
            else:
                self.stdout.write(f"Expired {expired} {what}, deleted {deleted} recordings.")
