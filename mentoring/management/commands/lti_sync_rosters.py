"""Queue a roster sync (NRPS) for every linked course; the worker runs them (nightly timer)."""

from django.core.management.base import BaseCommand

from mentoring.lti.services.tasks import queue_all_roster_syncs


class Command(BaseCommand):
    help = "Queue an LTI roster sync for every course linked to an open cohort."

    def handle(self, *args, **options):
        self.stdout.write(f"Queued {queue_all_roster_syncs()} roster sync(s).")
