"""Names and Role Provisioning Services: the cohort's roster follows the course.

The platform's member list is fetched first (PyLTI1p3's NRPS client, with the tool's
client-credentials token), outside any transaction; then one transaction applies it:
joiners are enrolled (accounts keyed by ``sub``, made as a first launch would), leavers
removed through the cohort's own removal (their posts stay, their sockets close), role changes
applied. Only people the course brought in (``LtiRosterEntry``) are ever removed or re-roled:
members who came by invitation or CSV are left alone. Running it twice changes nothing the
second time."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from lti_tool.models import LtiUser
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from requests import RequestException

from mentoring.cohorts import services as cohort_services
from mentoring.core.errors import Invalid
from mentoring.lti.services.people import person_for, role_for
from mentoring.lti.services.platform_http import connector
from mentoring.models import LtiCourse, LtiRosterEntry, Membership, User

logger = logging.getLogger("mentoring.lti")
ACTIVE = "Active"


@dataclass
class SyncReport:
    enrolled: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    role_changed: list[str] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)  # in the cohort by invitation or CSV
    unchanged: int = 0
    error: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.enrolled or self.removed or self.role_changed)

    def as_dict(self) -> dict:
        return asdict(self)


def fetch_members(course: LtiCourse) -> list[dict]:
    """The course's members as the platform lists them (NRPS)."""
    context = course.context
    if not context.memberships_url:
        raise Invalid(
            "no_roster_service", "The platform offers no member list (NRPS) for this course."
        )
    try:
        service = NamesRolesProvisioningService(
            connector(context.deployment.registration.to_registration()),
            {"context_memberships_url": context.memberships_url},
        )
        return list(service.get_members())
    except (LtiException, LtiServiceException, RequestException, ValueError, KeyError) as error:
        raise Invalid(
            "roster_unavailable", f"The platform's member list could not be fetched ({error})."
        ) from error


def _shown(user: User) -> str:
    return user.shown_name


@transaction.atomic
def apply_members(*, course: LtiCourse, members: list[dict], now: datetime) -> SyncReport:
    """Make the course's cohort follow ``members`` (one NRPS list)."""
    course = (
        LtiCourse.objects.select_for_update().select_related("cohort", "context").get(pk=course.pk)
    )
    cohort = course.cohort
    registration = course.context.deployment.registration
    report = SyncReport()
    wanted: dict[int, tuple[User, str]] = {}
    for member in members:
        sub = member.get("user_id")
        role = role_for(member.get("roles"))
        if not isinstance(sub, str) or not sub or role is None:
            continue
        if member.get("status", ACTIVE) != ACTIVE:
            continue
        claims = {k: member.get(k) for k in ("name", "given_name", "family_name", "email")}
        lti_user, _ = LtiUser.objects.get_or_create(registration=registration, sub=sub[:255])
        user = person_for(lti_user=lti_user, claims=claims)
        wanted[user.pk] = (user, role)

    entries = {
        e.user_id: e for e in LtiRosterEntry.objects.select_for_update().filter(course=course)
    }
    memberships = {
        m.user_id: m for m in Membership.objects.filter(cohort=cohort).select_related("user")
    }
    joiners: dict[str, list[User]] = {Membership.Role.TUTOR: [], Membership.Role.MEMBER: []}
    re_roled: dict[str, list[User]] = {Membership.Role.TUTOR: [], Membership.Role.MEMBER: []}
    for user_id, (user, role) in wanted.items():
        membership = memberships.get(user_id)
        entry = entries.get(user_id)
        if membership is None:
            joiners[role].append(user)
        elif entry is None:
            report.left_alone.append(_shown(user))
        elif membership.role != role:
            re_roled[role].append(user)
        else:
            report.unchanged += 1
    for role, users in joiners.items():
        if users:
            cohort_services.enrol(cohort=cohort, users=users, role=role, now=now)
            for user in users:
                entry = entries.get(user.pk)
                if entry is None:
                    LtiRosterEntry.objects.create(course=course, user=user, role=role, added_at=now)
                else:
                    LtiRosterEntry.objects.filter(pk=entry.pk).update(role=role)
            report.enrolled += [_shown(u) for u in users]
    for role, users in re_roled.items():
        if users:
            cohort_services.enrol(cohort=cohort, users=users, role=role, change_role=True)
            LtiRosterEntry.objects.filter(course=course, user__in=users).update(role=role)
            report.role_changed += [_shown(u) for u in users]
    for user_id, entry in entries.items():
        if user_id in wanted:
            continue
        membership = memberships.get(user_id)
        if membership is not None:
            cohort_services.remove_membership(cohort=cohort, user=membership.user)
            report.removed.append(_shown(membership.user))
        entry.delete()
    course.synced_at = now
    course.sync_report = report.as_dict()
    course.save(update_fields=["synced_at", "sync_report"])
    return report


def sync_roster(*, course: LtiCourse, now: datetime | None = None) -> SyncReport:
    """Fetch the course's member list and apply it; a fetch that fails changes nothing and
    is recorded on the course."""
    now = now or timezone.now()
    try:
        members = fetch_members(course)
    except Invalid as error:
        report = SyncReport(error=error.detail)
        LtiCourse.objects.filter(pk=course.pk).update(synced_at=now, sync_report=report.as_dict())
        logger.warning("LTI roster sync of course %s failed: %s", course.pk, error.detail)
        return report
    report = apply_members(course=course, members=members, now=now)
    logger.info(
        "LTI roster sync of course %s: %d enrolled, %d removed, %d role changes",
        course.pk,
        len(report.enrolled),
        len(report.removed),
        len(report.role_changed),
    )
    return report
