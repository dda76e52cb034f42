from django.core.management.base import BaseCommand

from meetings.recordings.retention import apply_retention


class Command(BaseCommand):
    help = "Delete meetings older than each organization's retention period (Organization.retention_days)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be deleted.")

    def handle(self, *args, dry_run, **options):
        deleted = apply_retention(dry_run=dry_run)
        total = sum(len(ids) for ids in deleted.values())
        for org_id, ids in deleted.items():
            self.stdout.write(f"organization {org_id}: {len(ids)} meetings {'to delete' if dry_run else 'deleted'}")
        self.stdout.write(f"{'Would delete' if dry_run else 'Deleted'} {total} meetings.")
