"""A platform course and the cohort it runs in: linking (or creating) the cohort on an
instructor's first launch, and putting each launching person in it with their role."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from lti_tool.models import LtiContext

from mentoring.cohorts import services as cohort_services
from mentoring.core.errors import Conflict, Forbidden, Invalid
from mentoring.models import Cohort, LtiCourse, LtiRosterEntry, Membership, User
from mentoring.rules.permissions import is_tutor, refuse_unless_cohort_writable


def _refuse_linked(context: LtiContext) -> None:
    if LtiCourse.objects.filter(context=context).exists():
        raise Conflict("course_linked", "This course is already linked to a cohort.")


@transaction.atomic
def link_course(*, context: LtiContext, cohort: Cohort, by: User) -> LtiCourse:
    """Tie ``context`` to a cohort ``by`` tutors (an instructor of the course, checked by the
    caller from the launch)."""
    LtiContext.objects.select_for_update().get(pk=context.pk)
    _refuse_linked(context)
    if not is_tutor(by, cohort):
        raise Forbidden("forbidden", "You can only link the course to a cohort you tutor.")
    refuse_unless_cohort_writable(cohort)
    # ``by`` tutors the cohort already (by invitation or staff's choice): the course did not
    # bring them, so roster syncs leave them be.
    return LtiCourse.objects.create(context=context, cohort=cohort, linked_by=by)


@transaction.atomic
def create_cohort_for_course(*, context: LtiContext, by: User, name: str = "") -> LtiCourse:
    """A new cohort for ``context`` with ``by`` (the launching instructor) as its tutor."""
    LtiContext.objects.select_for_update().get(pk=context.pk)
    _refuse_linked(context)
    name = " ".join((name or context.title or context.label or "").split())[:200]
    if not name:
        raise Invalid("invalid", "The cohort needs a name.", field="name")
    # The caller checked ``by`` is an instructor of the course (a validated launch): that is
    # the authority here, not staff status (cohort_services checks staff only when given one).
    cohort = cohort_services.create_cohort(name=name, tutors=[by])
    course = LtiCourse.objects.create(context=context, cohort=cohort, linked_by=by)
    LtiRosterEntry.objects.create(course=course, user=by, role=Membership.Role.TUTOR)
    return course


@transaction.atomic
def place(*, course: LtiCourse, user: User, role: str) -> Membership:
    """Put the launching ``user`` in the course's cohort with ``role``. People the course
    brought in follow the platform's role; anyone already there by another way (an
    invitation, a CSV roster) keeps theirs."""
    cohort = course.cohort
    entry = LtiRosterEntry.objects.select_for_update().filter(course=course, user=user).first()
    existing = Membership.objects.filter(cohort=cohort, user=user).first()
    if existing is not None and entry is None:
        return existing
    outcome = cohort_services.enrol(
        cohort=cohort, users=[user], role=role, change_role=True, now=timezone.now()
    )
    if entry is None:
        LtiRosterEntry.objects.create(course=course, user=user, role=role)
    elif entry.role != role:
        entry.role = role
        entry.save(update_fields=["role"])
    return outcome.memberships[0]
