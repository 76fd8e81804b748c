from django.core.management.base import BaseCommand

from demo.mentoring import (
    DEMO_PASSWORD,
    seed_discussions,
    seed_invitations,
    seed_people,
    seed_tutor_week,
)
from demo.scenarios import seed_scenarios
from demo.site import seed_home_page


class Command(BaseCommand):
    help = "Create (or complete) the demo site, people, cohorts and scenarios. Idempotent."

    def handle(self, *args, **options):
        home = seed_home_page()
        people = seed_people()
        seed_discussions(people)
        seed_tutor_week(people)
        seed_invitations(people)
        seed_scenarios(
            home=home, tutor=people.tutor, induction=people.induction, masters=people.masters
        )
        self.stdout.write(
            f"Demo ready: home page '{home.title}', cohorts '{people.induction.name}' and "
            f"'{people.masters.name}'. Sign in as tutor, nqt1…nqt12, ma1…ma4 or admin "
            f"with password {DEMO_PASSWORD!r}."
        )
