"""Demo people and cohorts for ``seed_demo``. Idempotent: running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .models import Cohort, Membership, User
from .services.cohorts import add_membership, create_cohort

DEMO_PASSWORD = "staffroom-demo"
INDUCTION_COHORT = "NQT Induction 2026"
MASTERS_COHORT = "MA Education 2026"

NQT_NAMES = [
    "Amira Hussain",
    "Ben Carter",
    "Chloe Evans",
    "Daniel Okafor",
    "Ella Murphy",
    "Finn Walsh",
    "Grace Lee",
    "Harry Patel",
    "Isla Thompson",
    "Jack Nowak",
    "Keira Brown",
    "Liam O'Connor",
]
MA_NAMES = ["Maya Singh", "Noah Williams", "Olivia Chen", "Priya Sharma"]


@dataclass
class DemoPeople:
    admin: User
    tutor: User
    nqts: list[User]
    masters_students: list[User]
    induction: Cohort
    masters: Cohort


def _user(username: str, display_name: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "display_name": display_name,
            "email": f"{username}@staffroom.test",
            "is_staff": staff,
            "is_superuser": staff and username == "admin",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _cohort(name: str, kind: str, tutor: User) -> Cohort:
    cohort = Cohort.objects.filter(name=name).first()
    if cohort is None:
        cohort = create_cohort(name=name, kind=kind, tutors=[tutor])
    return cohort


@transaction.atomic
def seed_people() -> DemoPeople:
    admin = _user("admin", "Site administrator", staff=True)
    tutor = _user("tutor", "Dr Sarah Hughes (tutor)", staff=True)
    nqts = [_user(f"nqt{i}", name) for i, name in enumerate(NQT_NAMES, start=1)]
    students = [_user(f"ma{i}", name) for i, name in enumerate(MA_NAMES, start=1)]
    induction = _cohort(INDUCTION_COHORT, Cohort.Kind.INDUCTION, tutor)
    masters = _cohort(MASTERS_COHORT, Cohort.Kind.MASTERS, tutor)
    if not induction.allow_anonymous_to_peers:
        Cohort.objects.filter(pk=induction.pk).update(allow_anonymous_to_peers=True)
        induction.allow_anonymous_to_peers = True
    for cohort, people in ((induction, nqts), (masters, students)):
        already = set(Membership.objects.filter(cohort=cohort).values_list("user_id", flat=True))
        for person in people:
            if person.pk not in already:
                add_membership(cohort=cohort, user=person, role=Membership.Role.MEMBER)
    return DemoPeople(admin, tutor, nqts, students, induction, masters)
