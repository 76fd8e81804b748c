"""Delete what is past its retention period (run daily: platform/deploy/staffroom-retention.timer).

The public surface (docs/api.md): one line per category, ``<name>: <count> <what>``, and with
``--dry-run`` the same counts of what would go, nothing deleted.
"""

from django.core.management.base import BaseCommand

from mentoring.privacy.services.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Delete read events, the live update log, read notifications, expired invitations, "
        "expired sessions, old access log entries (and, in development, old mail files) past "
        "their retention period; --dry-run only counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be deleted, and delete nothing.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        results = apply_retention(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        for category in results:
            self.stdout.write(f"{category.name}: {verb} {category.count} {category.label}")
        total = sum(category.count for category in results)
        self.stdout.write(f"Total: {verb} {total}." + (" (dry run)" if dry_run else ""))
