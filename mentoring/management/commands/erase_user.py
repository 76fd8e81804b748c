"""Erase an account: ``manage.py erase_user USERNAME --now`` (docs/api.md).

With ``--now`` the erasure runs here, at once, under each of the account's cohorts' post
policy, and the command prints what was erased (counts and cohorts, never a name). Without it,
the account is erased as if the member had asked: after the cooling-off period, unless they
sign in first. ``--resume`` queues every erasure a dead worker left unfinished.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from mentoring.accounts.services.deletion import request_deletion
from mentoring.core.errors import ServiceError
from mentoring.models import Cohort, User
from mentoring.privacy.services import erasure


class Command(BaseCommand):
    help = "Erase an account (at once with --now), under its cohorts' post policy."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", nargs="?")
        parser.add_argument("--now", action="store_true", help="Erase at once, here.")
        parser.add_argument(
            "--resume", action="store_true", help="Queue the erasures a dead worker left."
        )

    def handle(self, *args, username: str | None, now: bool, resume: bool, **options) -> None:
        if resume:
            queued = erasure.resume_interrupted()
            self.stdout.write(f"Queued {len(queued)} unfinished erasure(s).")
            return
        if not username:
            raise CommandError("Name the account: erase_user USERNAME --now")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account has the username {username!r}.")
        try:
            if not now:
                request = request_deletion(user=user)
                self.stdout.write(
                    f"Erasure request {request.pk}: the account is erased on "
                    f"{request.due_at:%Y-%m-%d %H:%M %Z} unless its owner signs in first."
                )
                return
            request = erasure.erase_now(user=user)
        except ServiceError as error:
            raise CommandError(error.detail) from error
        request = erasure.run_erasure(request.pk)
        self.stdout.write(f"Erasure request {request.pk}: {request.get_state_display()}.")
        cohorts = [
            f"{c} (posts: {c.get_post_policy_display()})"
            for c in Cohort.objects.filter(pk__in=request.cohort_ids)
        ]
        self.stdout.write("Cohorts: " + ("; ".join(cohorts) or "none"))
        for key, count in sorted(request.summary.items()):
            self.stdout.write(f"  {key.replace('_', ' ')}: {count}")
