"""Object permissions per cohort (django-guardian), granted only by the membership services.

Members get ``view_cohort``. Tutors also get ``change_cohort``, ``moderate_cohort`` and
``view_participation``. Every view, API call and consumer asks these helpers.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from guardian.core import ObjectPermissionChecker

from mentoring.models import Cohort, User

MEMBER_PERMISSIONS = ("view_cohort",)
TUTOR_PERMISSIONS = ("view_cohort", "change_cohort", "moderate_cohort", "view_participation")


PERM_CACHE_ATTRIBUTE = "_staffroom_cohort_perms"


def _cohort_perms(user: User, cohort: Cohort) -> frozenset[str]:
    """The user's permissions on ``cohort``, read once per user object (a request, a socket).

    ``user.has_perm(perm, obj)`` builds a fresh guardian checker, two queries, on every call; a
    page asks several times per cohort. Like Django's own ``_perm_cache``, the cache lives on
    the user object, and the membership services clear it when they change permissions.
    """
    cache = user.__dict__.setdefault(PERM_CACHE_ATTRIBUTE, {})
    if cohort.pk not in cache:
        cache[cohort.pk] = frozenset(ObjectPermissionChecker(user).get_perms(cohort))
    return cache[cohort.pk]


def forget_cached_permissions(user: User) -> None:
    user.__dict__.pop(PERM_CACHE_ATTRIBUTE, None)
    user.__dict__.pop("_perm_cache", None)


def _has(user: User | AnonymousUser, codename: str, cohort: Cohort) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return codename in _cohort_perms(user, cohort)


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
