from django.core.management.base import BaseCommand

from meetings.chat.voice_expiry import expire_voice_questions


class Command(BaseCommand):
    help = (
        "Delete the recordings of voice questions never transcribed within VOICE_CLIP_MAX_AGE, and mark those "
        "still waiting expired."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be expired and deleted.")

    def handle(self, *args, dry_run, **options):
        result = expire_voice_questions(dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"Would expire {len(result.expired)} voice questions and delete {len(result.clips)} recordings."
            )
        else:
            self.stdout.write(f"Expired {len(result.expired)} voice questions, deleted {len(result.clips)} recordings.")
