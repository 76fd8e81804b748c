"""Cohorts as a given user may see them."""

from __future__ import annotations

from django.db.models import QuerySet

from mentoring.models import Cohort, Membership, User
from mentoring.rules.permissions import can_view_cohort


def cohorts_for(*, user: User) -> QuerySet[Membership]:
    """The user's memberships (with their cohorts), tutored or joined."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("cohort").order_by("cohort__name")


def visible_cohort(*, user: User, cohort_id: int) -> Cohort | None:
    """The cohort if ``user`` may see it, else None (callers answer 404 either way)."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None or not can_view_cohort(user, cohort):
        return None
    return cohort


def has_members(*, cohort: Cohort) -> bool:
    """Whether anyone besides the tutors is in the cohort yet (a new one shows how to start)."""
    return Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER).exists()
