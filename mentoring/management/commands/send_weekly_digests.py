"""Queue this week's digest emails for the tutors (run weekly, e.g. from a systemd timer)."""

from django.core.management.base import BaseCommand

from mentoring.inbox.services.digest import queue_weekly_digests
from mentoring.inbox.services.inbox import sweep_unanswered


class Command(BaseCommand):
    help = "Queue a weekly digest (new alerts and the inbox) for the tutors of every cohort."

    def handle(self, *args, **options):
        told = sweep_unanswered()
        queued = queue_weekly_digests()
        self.stdout.write(f"Queued {queued} weekly digest(s); {told} unanswered thread(s) told.")
