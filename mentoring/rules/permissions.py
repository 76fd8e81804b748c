"""Who may do what in a cohort: read from ``Membership.role``, the one source of who tutors.

A member views the cohort; a tutor (``Membership.role == TUTOR``) also changes its settings,
moderates its boards, sees its participation, the names behind anonymous posts and the "Ask a
tutor" questions. Nobody else, whatever their site flags: a superuser or staff member who is
not a tutor of the cohort is treated as any outsider here (they administer through
/django-admin/; docs/privacy.md says why). Staff may create cohorts (``can_create_cohorts``).

Every view, API call, consumer and selector asks these helpers; queries that need the tutors of
a cohort as a set filter ``Membership`` on ``TUTOR`` (``tutor_memberships``), the same fact.

(Until issue 18 the checks read django-guardian object permissions granted beside each
membership, and guardian gives a superuser every permission: the demo ``admin`` saw every
anonymous author without ever being notified as a tutor. Nothing reads those rows now.)
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateformat import format as date_format

from mentoring.core.errors import Forbidden
from mentoring.models import Cohort, Membership, User

TUTOR = Membership.Role.TUTOR
MEMBER = Membership.Role.MEMBER
# The guardian codenames the membership services used to grant. Only ``seed_scale`` still
# writes them (nothing reads them); they go with guardian.
MEMBER_PERMISSIONS = ("view_cohort",)
TUTOR_PERMISSIONS = ("view_cohort", "change_cohort", "moderate_cohort", "view_participation")

ROLE_CACHE_ATTRIBUTE = "_staffroom_cohort_roles"
_NONE = ""


def _role(user: User, cohort: Cohort) -> str:
    """The user's role in ``cohort`` ('' if none), read once per user object (a request, a
    socket): a page asks several times per cohort. The membership services clear it when they
    change a membership (``forget_cached_permissions``)."""
    if not user.is_authenticated or not user.is_active:
        return _NONE
    cache = user.__dict__.setdefault(ROLE_CACHE_ATTRIBUTE, {})
    if cohort.pk not in cache:
        cache[cohort.pk] = (
            Membership.objects.filter(user=user, cohort_id=cohort.pk)
            .values_list("role", flat=True)
            .first()
            or _NONE
        )
    return cache[cohort.pk]


def remember_role(user: User, cohort_id: int, role: str | None) -> None:
    """Keep a role read with something else (one query for a cohort and the viewer's role in
    it) in the user's cache, so the checks that follow ask no more."""
    if user.is_authenticated and user.is_active:
        user.__dict__.setdefault(ROLE_CACHE_ATTRIBUTE, {})[cohort_id] = role or _NONE


def prime_roles(pairs) -> None:
    """Read the roles of many (user, cohort id) pairs into each user's cache in one query, for
    checks made for many people at once (a crowd of websocket handshakes); ``_role`` then
    answers from the cache."""
    wanted = [
        (user, cohort_id)
        for user, cohort_id in pairs
        if user.is_authenticated
        and user.is_active
        and cohort_id not in user.__dict__.get(ROLE_CACHE_ATTRIBUTE, {})
    ]
    if not wanted:
        return
    rows = Membership.objects.filter(
        user_id__in={user.pk for user, _ in wanted},
        cohort_id__in={cohort_id for _, cohort_id in wanted},
    ).values_list("user_id", "cohort_id", "role")
    roles = {(user_id, cohort_id): role for user_id, cohort_id, role in rows}
    for user, cohort_id in wanted:
        cache = user.__dict__.setdefault(ROLE_CACHE_ATTRIBUTE, {})
        cache[cohort_id] = roles.get((user.pk, cohort_id), _NONE)


def forget_cached_permissions(user: User) -> None:
    user.__dict__.pop(ROLE_CACHE_ATTRIBUTE, None)
    user.__dict__.pop("_perm_cache", None)


def can_view_cohort(user, cohort: Cohort) -> bool:
    return _role(user, cohort) != _NONE


def is_tutor(user, cohort: Cohort) -> bool:
    """The one answer to "does ``user`` tutor ``cohort``?": their membership's role."""
    return _role(user, cohort) == TUTOR


def can_moderate(user, cohort: Cohort) -> bool:
    return is_tutor(user, cohort)


def can_view_participation(user, cohort: Cohort) -> bool:
    return is_tutor(user, cohort)


def tutor_memberships(cohort: Cohort | int | None = None) -> QuerySet[Membership]:
    """The tutors' memberships (of ``cohort``, or of every cohort), for queries over many
    people: the same fact ``is_tutor`` reads for one."""
    memberships = Membership.objects.filter(role=TUTOR)
    if cohort is not None:
        memberships = memberships.filter(cohort=cohort)
    return memberships


def can_create_cohorts(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


# --- Cohort year end --------------------------------------------------------------------------
COHORT_ARCHIVED = "cohort_archived"


def cohort_is_writable(cohort: Cohort) -> bool:
    """An archived cohort (``Cohort.archived_at``) is read-only for everyone, tutors too."""
    return cohort.archived_at is None


def archived_detail(cohort: Cohort) -> str:
    """The one sentence pages and refusals use for an archived cohort."""
    since = date_format(timezone.localtime(cohort.archived_at), "j F Y")
    return f"This cohort is archived (read-only) since {since}."


def refuse_unless_cohort_writable(cohort: Cohort) -> None:
    """What every service that writes into a cohort calls first: ``Forbidden``
    (``cohort_archived``)."""
    if not cohort_is_writable(cohort):
        raise Forbidden(COHORT_ARCHIVED, archived_detail(cohort))
