"""Recompute the dashboard's per-member counters from the recorded activity."""

from django.core.management.base import BaseCommand, CommandError

from mentoring.models import Cohort
from mentoring.participation.services.counters import rebuild_counters


class Command(BaseCommand):
    help = (
        "Recompute threads read, posts, resource views, last seen/posted/nudged and nudge "
        "conversions from the events, for the given cohorts (by id) or for all of them."
    )

    def add_arguments(self, parser):
        parser.add_argument("cohort_ids", nargs="*", type=int, metavar="COHORT_ID")
        parser.add_argument("--all", action="store_true", dest="every", help="Every cohort.")

    def handle(self, *args, cohort_ids: list[int], every: bool = False, **options):
        if not cohort_ids and not every:
            raise CommandError("Give cohort ids, or --all for every cohort.")
        if cohort_ids:
            known = set(Cohort.objects.filter(pk__in=cohort_ids).values_list("pk", flat=True))
            unknown = [str(pk) for pk in cohort_ids if pk not in known]
            if unknown:
                raise CommandError("No such cohorts: " + ", ".join(unknown))
        rebuilt = rebuild_counters(cohort_ids=cohort_ids or None)
        self.stdout.write(f"Rebuilt participation for {rebuilt} memberships.")
