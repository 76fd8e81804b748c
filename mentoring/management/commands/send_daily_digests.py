"""Queue today's digest emails (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from mentoring.notifications.services.tasks import queue_daily_digests


class Command(BaseCommand):
    help = "Queue a daily digest email for every user who chose one and has unsent updates."

    def handle(self, *args, **options):
        queued = queue_daily_digests()
        self.stdout.write(f"Queued {queued} digest(s).")
