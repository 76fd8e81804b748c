"""Delete what is past its retention period (run daily: platform/deploy/staffroom-retention.timer).

The public surface (docs/api.md): one line per category, ``<name>: <count> <what>``, then
``Total: <n> deleted.``; with ``--dry-run`` the same counts of what would go, nothing deleted,
and ``Total: <n> would be deleted (dry run: nothing was deleted).``
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
        for category in results:
            self.stdout.write(f"{category.name}: {category.count} {category.label}")
        total = sum(category.count for category in results)
        if dry_run:
            self.stdout.write(f"Total: {total} would be deleted (dry run: nothing was deleted).")
        else:
            self.stdout.write(f"Total: {total} deleted.")
