"""``seed_demo`` builds the demo the README promises, and running it again changes nothing."""

import pytest
from django.core.management import call_command

from mentoring.models import Cohort, Membership, Post, Thread, User
from mentoring.participation.selectors.rows import member_rows

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Cohort.objects.count(),
        Membership.objects.count(),
        Thread.objects.count(),
        Post.objects.count(),
    )


def test_seed_demo_is_idempotent_and_shows_every_kind_of_member(wagtail_root):
    call_command("seed_demo", verbosity=0)
    first = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == first
    induction = Cohort.objects.get(name="NQT Induction 2026")
    tutor = User.objects.get(username="tutor")
    assert tutor.check_password("staffroom-demo")
    assert Membership.objects.get(cohort=induction, user=tutor).role == "tutor"
    usernames = set(
        Membership.objects.filter(cohort=induction, role="member").values_list(
            "user__username", flat=True
        )
    )
    assert usernames == {f"nqt{i}" for i in range(1, 13)}
    statuses = {row.user.username: row.status for row in member_rows(cohort=induction)}
    assert statuses["nqt1"] == "contributor"
    assert statuses["nqt12"] == "inactive"
    assert {"contributor", "reader", "resource_only", "inactive"} <= set(statuses.values())
