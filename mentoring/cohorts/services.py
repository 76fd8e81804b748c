"""Cohorts and memberships. Object permissions are granted and revoked here, nowhere else."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from mentoring.core.errors import Forbidden, ServiceError
from mentoring.models import MAX_GRACE_SECONDS, Cohort, Membership, User
from mentoring.notifications.services.notifications import forget_cohort_for
from mentoring.realtime import events
from mentoring.rules.permissions import (
    MEMBER_PERMISSIONS,
    TUTOR_PERMISSIONS,
    can_create_cohorts,
    forget_cached_permissions,
    is_tutor,
)
from mentoring.signals import cohort_created, members_enrolled


def _grant(user: User, cohort: Cohort, role: str) -> None:
    forget_cached_permissions(user)
    wanted = TUTOR_PERMISSIONS if role == Membership.Role.TUTOR else MEMBER_PERMISSIONS
    for codename in TUTOR_PERMISSIONS:
        if codename in wanted:
            assign_perm(f"mentoring.{codename}", user, cohort)
        else:
            remove_perm(f"mentoring.{codename}", user, cohort)


def _users_by_username(usernames: Iterable[str]) -> list[User]:
    wanted = list(dict.fromkeys(u.strip() for u in usernames if u and u.strip()))
    found = {u.username: u for u in User.objects.filter(username__in=wanted, is_active=True)}
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise ServiceError(
            "unknown_users",
            "These usernames do not exist: " + ", ".join(unknown) + ". Nobody was enrolled.",
            usernames=unknown,
        )
    return [found[name] for name in wanted]


@transaction.atomic
def create_cohort(
    *,
    name: str,
    tutors: Iterable[User],
    kind: str = Cohort.Kind.INDUCTION,
    created_by: User | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Cohort:
    """Create a cohort with its tutors, a general board and an "ask a tutor" board."""
    if created_by is not None and not can_create_cohorts(created_by):
        raise Forbidden("forbidden", "Only staff can create cohorts.")
    name = (name or "").strip()
    if not name:
        raise ServiceError("invalid", "A cohort needs a name.", field="name")
    if kind not in Cohort.Kind.values:
        raise ServiceError("invalid", f"Unknown cohort kind {kind!r}.", field="kind")
    if starts_on and ends_on and ends_on < starts_on:
        raise ServiceError("invalid", "A cohort cannot end before it starts.", field="ends_on")
    cohort = Cohort.objects.create(name=name, kind=kind, starts_on=starts_on, ends_on=ends_on)
    for tutor in tutors:
        add_membership(cohort=cohort, user=tutor, role=Membership.Role.TUTOR)
    # Boards make the general and "Ask a tutor" boards (mentoring.boards.receivers), here,
    # inside this transaction.
    cohort_created.send(sender=Cohort, cohort=cohort)
    return cohort


@transaction.atomic
def create_cohort_by_usernames(
    *,
    name: str,
    tutors: Iterable[str],
    created_by: User,
    kind: str = Cohort.Kind.INDUCTION,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Cohort:
    """Staff create a cohort naming its tutors; unknown usernames create nothing."""
    if not can_create_cohorts(created_by):
        raise Forbidden("forbidden", "Only staff can create cohorts.")
    tutor_users = _users_by_username(tutors)
    if not tutor_users:
        raise ServiceError("invalid", "A cohort needs at least one tutor.", field="tutors")
    return create_cohort(
        name=name,
        tutors=tutor_users,
        kind=kind,
        created_by=created_by,
        starts_on=starts_on,
        ends_on=ends_on,
    )


@transaction.atomic
def add_membership(*, cohort: Cohort, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    """Enrol ``user`` (or change their role) and grant the matching object permissions."""
    membership, created = Membership.objects.get_or_create(
        cohort=cohort, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    _grant(user, cohort, role)
    return membership


@transaction.atomic
def enrol_members(
    *, cohort: Cohort, usernames: Iterable[str], by: User | None = None
) -> list[Membership]:
    """Enrol existing users as members: all of them or, if any username is unknown, nobody."""
    if by is not None and not is_tutor(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can enrol members.")
    users = _users_by_username(usernames)
    if not users:
        raise ServiceError("invalid", "Give at least one username.", field="usernames")
    existing = set(
        Membership.objects.filter(cohort=cohort, user__in=users).values_list("user_id", flat=True)
    )
    memberships = []
    newly_enrolled = []
    for user in users:
        if user.pk in existing:
            memberships.append(Membership.objects.get(cohort=cohort, user=user))
            continue
        memberships.append(add_membership(cohort=cohort, user=user, role=Membership.Role.MEMBER))
        newly_enrolled.append(user)
    if newly_enrolled:
        members_enrolled.send(sender=Cohort, cohort=cohort, users=newly_enrolled)
    return memberships


@transaction.atomic
def remove_membership(*, cohort: Cohort, user: User) -> None:
    Membership.objects.filter(cohort=cohort, user=user).delete()
    forget_cohort_for(user=user, cohort=cohort)  # nothing about the cohort reaches them now
    forget_cached_permissions(user)
    for codename in TUTOR_PERMISSIONS:
        remove_perm(f"mentoring.{codename}", user, cohort)
    events.membership_ended(user_id=user.pk, cohort_id=cohort.pk)


SETTING_FIELDS = {
    "name",
    "edit_grace_seconds",
    "reader_threshold",
    "allow_anonymous_to_peers",
    "nudge_template",
    "invitation_days",
    "starts_on",
    "ends_on",
    "quiet_days",
    "never_started_days",
    "unanswered_hours",
}
# Early-warning and inbox thresholds (issue 10): inclusive bounds, as the model validates.
THRESHOLD_BOUNDS = {
    "quiet_days": (1, 365),
    "never_started_days": (1, 365),
    "unanswered_hours": (1, 1440),
    "invitation_days": (1, 90),
}


@transaction.atomic
def update_cohort_settings(*, cohort: Cohort, by: User, **changes) -> Cohort:
    """Change a cohort's settings; tutors only. Invalid values are refused, nothing is saved."""
    if not is_tutor(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can change its settings.")
    unknown = set(changes) - SETTING_FIELDS
    if unknown:
        raise ServiceError("invalid", "Unknown settings: " + ", ".join(sorted(unknown)) + ".")
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    grace = changes.get("edit_grace_seconds")
    if grace is not None and not 0 <= grace <= MAX_GRACE_SECONDS:
        raise ServiceError(
            "invalid",
            f"edit_grace_seconds must be between 0 and {MAX_GRACE_SECONDS}.",
            field="edit_grace_seconds",
        )
    threshold = changes.get("reader_threshold")
    if threshold is not None and threshold < 1:
        raise ServiceError(
            "invalid", "reader_threshold must be at least 1.", field="reader_threshold"
        )
    for field, (low, high) in THRESHOLD_BOUNDS.items():
        value = changes.get(field)
        if value is not None and not low <= value <= high:
            raise ServiceError("invalid", f"{field} must be between {low} and {high}.", field=field)
    if "name" in changes and not (changes["name"] or "").strip():
        raise ServiceError("invalid", "A cohort needs a name.", field="name")
    for field, value in changes.items():
        setattr(cohort, field, value)
    starts_on, ends_on = cohort.starts_on, cohort.ends_on
    if starts_on and ends_on and ends_on < starts_on:
        raise ServiceError("invalid", "A cohort cannot end before it starts.", field="ends_on")
    cohort.save()
    return cohort
