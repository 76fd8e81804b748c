"""Publish every scheduled thread that is due (the worker does it on time; this is a sweep)."""

from django.core.management.base import BaseCommand

from mentoring.boards.services.scheduling import publish_due


class Command(BaseCommand):
    help = "Publish scheduled threads whose time has come (safe to run at any time, repeatedly)."

    def handle(self, *args, **options):
        published = publish_due()
        self.stdout.write(f"Published {len(published)} scheduled thread(s).")
