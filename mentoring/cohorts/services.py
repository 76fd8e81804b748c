"""Cohorts and memberships. Every enrolment, by every path, goes through ``enrol``.

Who tutors a cohort is their membership's role (``mentoring.rules.permissions``): there is no
second record (object permissions) to grant or revoke beside it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from mentoring.core.errors import Forbidden, Invalid
from mentoring.models import MAX_GRACE_SECONDS, Cohort, Draft, Membership, Subscription, User
from mentoring.notifications.services.notifications import forget_cohort_for
from mentoring.realtime import events
from mentoring.rules.permissions import (
    can_create_cohorts,
    forget_cached_permissions,
    is_tutor,
    refuse_unless_cohort_writable,
)
from mentoring.signals import cohort_created, members_enrolled


def _users_by_username(usernames: Iterable[str]) -> list[User]:
    wanted = list(dict.fromkeys(u.strip() for u in usernames if u and u.strip()))
    found = {u.username: u for u in User.objects.filter(username__in=wanted, is_active=True)}
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise Invalid(
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
        raise Invalid("invalid", "A cohort needs a name.", field="name")
    if kind not in Cohort.Kind.values:
        raise Invalid("invalid", f"Unknown cohort kind {kind!r}.", field="kind")
    if starts_on and ends_on and ends_on < starts_on:
        raise Invalid("invalid", "A cohort cannot end before it starts.", field="ends_on")
    cohort = Cohort.objects.create(name=name, kind=kind, starts_on=starts_on, ends_on=ends_on)
    enrol(cohort=cohort, users=tutors, role=Membership.Role.TUTOR)
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
        raise Invalid("invalid", "A cohort needs at least one tutor.", field="tutors")
    return create_cohort(
        name=name,
        tutors=tutor_users,
        kind=kind,
        created_by=created_by,
        starts_on=starts_on,
        ends_on=ends_on,
    )


@dataclasses.dataclass
class Enrolment:
    """What ``enrol`` did, per person (each listed once, in the order given)."""

    memberships: list[Membership] = dataclasses.field(default_factory=list)
    # New to the cohort; were in it with another role (``change_role``); stay as they were.
    enrolled: list[User] = dataclasses.field(default_factory=list)
    role_changed: list[User] = dataclasses.field(default_factory=list)
    unchanged: list[User] = dataclasses.field(default_factory=list)


@transaction.atomic
def enrol(
    *,
    cohort: Cohort,
    users: Iterable[User],
    role: str = Membership.Role.MEMBER,
    by: User | None = None,
    change_role: bool = False,
    now: datetime | None = None,
) -> Enrolment:
    """Put ``users`` in ``cohort`` with ``role``: the one way anyone is enrolled.

    Set-based, so its queries do not grow with the number of people (roster imports). People
    already in the cohort stay in it once: their role changes only if the caller says so
    (``change_role``), never as a side effect of, say, accepting a member's invitation while
    already tutoring. ``members_enrolled`` goes out once, after, for the newly enrolled, inside
    this transaction (its receivers, such as scenario groups, roll back with it).

    ``by`` is the tutor enrolling them, checked; ``None`` when the caller has checked its own
    authority (an invitation accepted, a join link, a roster the tutor committed, seeding).
    """
    if role not in Membership.Role.values:
        raise Invalid("invalid", f"Unknown role {role!r}.", field="role")
    if by is not None and not is_tutor(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can enrol members.")
    refuse_unless_cohort_writable(cohort)
    people = list({user.pk: user for user in users}.values())
    outcome = Enrolment()
    if not people:
        return outcome
    existing = {
        m.user_id: m
        for m in Membership.objects.select_for_update().filter(cohort=cohort, user__in=people)
    }
    joined_at = now or timezone.now()
    created = {
        m.user_id: m
        for m in Membership.objects.bulk_create(
            [
                Membership(cohort=cohort, user=user, role=role, joined_at=joined_at)
                for user in people
                if user.pk not in existing
            ]
        )
    }
    to_change = [m for m in existing.values() if change_role and m.role != role]
    if to_change:
        Membership.objects.filter(pk__in=[m.pk for m in to_change]).update(role=role)
        for membership in to_change:
            membership.role = role
    for user in people:
        forget_cached_permissions(user)
        if user.pk in created:
            membership = created[user.pk]
            outcome.enrolled.append(user)
        else:
            membership = existing[user.pk]
            changed = outcome.role_changed if membership in to_change else outcome.unchanged
            changed.append(user)
        membership.user, membership.cohort = user, cohort
        outcome.memberships.append(membership)
    if outcome.enrolled:
        members_enrolled.send(sender=Cohort, cohort=cohort, users=outcome.enrolled)
    return outcome


def add_membership(*, cohort: Cohort, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    """One person with exactly ``role`` (enrolled, or their role changed): ``enrol`` for one,
    as seeding and tests use it."""
    return enrol(cohort=cohort, users=[user], role=role, change_role=True).memberships[0]


@transaction.atomic
def enrol_members(
    *, cohort: Cohort, usernames: Iterable[str], by: User | None = None
) -> list[Membership]:
    """Enrol existing users as members: all of them or, if any username is unknown, nobody.
    People already in the cohort keep their role (a tutor named here stays a tutor)."""
    if by is not None and not is_tutor(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can enrol members.")
    users = _users_by_username(usernames)
    if not users:
        raise Invalid("invalid", "Give at least one username.", field="usernames")
    return enrol(cohort=cohort, users=users, role=Membership.Role.MEMBER, by=by).memberships


@transaction.atomic
def remove_membership(*, cohort: Cohort, user: User) -> None:
    Membership.objects.filter(cohort=cohort, user=user).delete()
    forget_cohort_for(user=user, cohort=cohort)  # nothing about the cohort reaches them now
    # Nor do they keep what they followed there, or drafts of posts they can no longer make.
    Subscription.objects.filter(cohort=cohort, user=user).delete()
    Draft.objects.filter(cohort=cohort, user=user).delete()
    forget_cached_permissions(user)
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
        raise Invalid("invalid", "Unknown settings: " + ", ".join(sorted(unknown)) + ".")
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    refuse_unless_cohort_writable(cohort)
    grace = changes.get("edit_grace_seconds")
    if grace is not None and not 0 <= grace <= MAX_GRACE_SECONDS:
        raise Invalid(
            "invalid",
            f"edit_grace_seconds must be between 0 and {MAX_GRACE_SECONDS}.",
            field="edit_grace_seconds",
        )
    threshold = changes.get("reader_threshold")
    if threshold is not None and threshold < 1:
        raise Invalid("invalid", "reader_threshold must be at least 1.", field="reader_threshold")
    for field, (low, high) in THRESHOLD_BOUNDS.items():
        value = changes.get(field)
        if value is not None and not low <= value <= high:
            raise Invalid("invalid", f"{field} must be between {low} and {high}.", field=field)
    if "name" in changes and not (changes["name"] or "").strip():
        raise Invalid("invalid", "A cohort needs a name.", field="name")
    for field, value in changes.items():
        setattr(cohort, field, value)
    starts_on, ends_on = cohort.starts_on, cohort.ends_on
    if starts_on and ends_on and ends_on < starts_on:
        raise Invalid("invalid", "A cohort cannot end before it starts.", field="ends_on")
    cohort.save()
    return cohort


@transaction.atomic
def archive_cohort(*, cohort: Cohort, by: User, now: datetime | None = None) -> Cohort:
    """Cohort year end: a tutor archives the cohort, read-only for everyone from ``now`` on.

    Every service that writes into a cohort refuses from then on
    (``rules.permissions.refuse_unless_cohort_writable``); the tutors can still read it all and
    download the records export, until ``apply_retention`` deletes the cohort's personal data
    ``RETENTION_ARCHIVED_COHORT_DAYS`` later. Archiving cannot be undone here (staff can, in
    /django-admin/, by clearing ``archived_at``).
    """
    if not is_tutor(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can archive it.")
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    refuse_unless_cohort_writable(cohort)  # archived once: the date the notice gives stays
    cohort.archived_at = now or timezone.now()
    cohort.save(update_fields=["archived_at"])
    return cohort
