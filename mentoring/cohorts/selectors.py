"""Cohorts as a given user may see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce, Collate, Concat, Lower, NullIf, Trim

from mentoring.core.privacy import Provider
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


def shown_name_sort_key(prefix: str = "user__") -> Collate:
    """``User.shown_name`` (display name, else full name, else username) in SQL, lower-cased
    under the "natural" collation (migration 0005), so nqt2 sorts before nqt10."""
    full_name = Trim(Concat(f"{prefix}first_name", Value(" "), f"{prefix}last_name"))
    shown = Coalesce(
        NullIf(f"{prefix}display_name", Value("")),
        NullIf(full_name, Value("")),
        f"{prefix}username",
    )
    return Collate(Lower(shown), "natural")


def members_of(*, cohort: Cohort) -> QuerySet[Membership]:
    """The cohort's people for its members page: by role, then naturally by shown name, then
    by username."""
    return (
        Membership.objects.filter(cohort=cohort)
        .select_related("user")
        .order_by("role", shown_name_sort_key(), Collate("user__username", "natural"))
    )


def tutor_candidates(*, including: User | None = None) -> QuerySet[User]:
    """Whom a new cohort can have as tutors, by name: active staff, everyone who tutors a cohort
    already, and ``including`` (the staff member creating it)."""
    chosen = Q(is_staff=True) | Q(memberships__role=Membership.Role.TUTOR)
    if including is not None:
        chosen |= Q(pk=including.pk)
    pks = User.objects.filter(chosen, is_active=True).values("pk")
    return User.objects.filter(pk__in=pks).order_by("display_name", "username")


def has_members(*, cohort: Cohort) -> bool:
    """Whether anyone besides the tutors is in the cohort yet (a new one shows how to start)."""
    return Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER).exists()


# --- The member's data export (mentoring.privacy) --------------------------------------------
def export_memberships(user: User, now: datetime) -> dict[str, Any]:
    """The cohorts the person belongs to, with the counters kept on their place in each."""
    rows = Membership.objects.filter(user=user).select_related("cohort").order_by("joined_at", "pk")
    return {
        "memberships": [
            {
                "cohort": m.cohort.name,
                "cohort_id": m.cohort_id,
                "role": m.role,
                "joined_at": m.joined_at,
                "threads_read": m.threads_read,
                "posts": m.posts,
                "resource_views": m.resource_views,
                "last_seen_at": m.last_seen_at,
                "last_posted_at": m.last_posted_at,
                "last_nudged_at": m.last_nudged_at,
            }
            for m in rows
        ]
    }


PRIVACY = Provider(
    name="cohorts",
    title="Your cohorts",
    covers={"mentoring.Membership": ("user",)},
    export=export_memberships,
    parts={"memberships": "Memberships"},
)
