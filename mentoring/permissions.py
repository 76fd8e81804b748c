"""Object permissions per cohort (django-guardian), granted only by the membership services.

Members get ``view_cohort``. Tutors also get ``change_cohort``, ``moderate_cohort`` and
``view_participation``. Every view, API call and consumer asks these helpers.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from .models import Cohort, User

MEMBER_PERMISSIONS = ("view_cohort",)
TUTOR_PERMISSIONS = ("view_cohort", "change_cohort", "moderate_cohort", "view_participation")


def _has(user: User | AnonymousUser, codename: str, cohort: Cohort) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm(f"mentoring.{codename}", cohort)


def can_view_cohort(user, cohort: Cohort) -> bool:
    return _has(user, "view_cohort", cohort)


def is_tutor(user, cohort: Cohort) -> bool:
    return _has(user, "change_cohort", cohort)


def can_moderate(user, cohort: Cohort) -> bool:
    return _has(user, "moderate_cohort", cohort)


def can_view_participation(user, cohort: Cohort) -> bool:
    return _has(user, "view_participation", cohort)


def can_create_cohorts(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)
