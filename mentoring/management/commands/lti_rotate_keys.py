"""Make a new LTI signing key; superseded keys stay published for LTI_KEY_OVERLAP_DAYS."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from mentoring.lti.services.keys import rotate_keys


class Command(BaseCommand):
    help = (
        "Create a new LTI tool key (it signs from now on). A superseded key stays in the key "
        "set until --overlap-days (default LTI_KEY_OVERLAP_DAYS) after its successor was made, "
        "so messages signed just before the rotation still verify."
    )

    def add_arguments(self, parser):
        parser.add_argument("--overlap-days", type=int, default=None)

    def handle(self, *args, **options):
        days = options["overlap_days"]
        rotation = rotate_keys(overlap=None if days is None else timedelta(days=days))
        self.stdout.write(f"New key: {rotation.created}")
        for kid in rotation.retired:
            self.stdout.write(f"Retired: {kid}")
