from django.core.management.base import BaseCommand, CommandError

from meetings.minutes.configuration import reencrypt_api_keys


class Command(BaseCommand):
    help = (
        "Encrypt the API keys organizations stored with the first key of FIELD_ENCRYPTION_KEYS, so that the "
        "older keys after it can be removed. Rows no listed key decrypts are reported and left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count the rows that would be rewritten.")

    def handle(self, *args, dry_run, **options):
        result = reencrypt_api_keys(dry_run=dry_run)
        self.stdout.write(
            f"{'Would re-encrypt' if dry_run else 'Re-encrypted'} {len(result.rewritten)} rows, "
            f"{len(result.current)} already current, {len(result.unreadable)} unreadable."
        )
        if result.unreadable:
            raise CommandError(
                "No key in FIELD_ENCRYPTION_KEYS (or derived from SECRET_KEY) decrypts the organization AI "
                f"settings with id {', '.join(map(str, result.unreadable))}; they were left as they are. List "
                "the key they were encrypted with, or have those organizations enter their API keys again."
            )
