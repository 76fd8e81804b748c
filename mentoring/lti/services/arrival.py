"""What a validated launch does: django-lti records the platform's view (user, course,
membership, resource link), then the person gets their account and, when the course is linked
to a cohort, their place in it. The caller signs them in and sends them where this says."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from lti_tool.models import LtiContext, LtiLaunch
from lti_tool.utils import sync_data_from_launch

from mentoring.core.errors import Forbidden
from mentoring.lti import selectors
from mentoring.lti.services import courses, people
from mentoring.lti.services.tasks import queue_roster_sync
from mentoring.models import LtiCourse, Membership, User


class Next(enum.StrEnum):
    LAND = "land"  # the course's cohort (or the place the link names)
    SET_UP = "set_up"  # an instructor, in a course with no cohort yet
    NOT_SET_UP = "not_set_up"  # a learner, in a course with no cohort yet
    PICK = "pick"  # deep linking: the instructor picks what to place
    NO_COURSE = "no_course"  # a launch from outside any course


@dataclass
class Arrival:
    user: User
    role: str
    next: Next
    context: LtiContext | None = None
    course: LtiCourse | None = None
    url: str = ""


def _target_url(course: LtiCourse, launch: LtiLaunch) -> str:
    custom = launch.get_claim(selectors.CUSTOM_CLAIM) or {}
    key = custom.get(selectors.TARGET_PARAMETER) if isinstance(custom, dict) else None
    found = selectors.placement(course.cohort, key if isinstance(key, str) else None)
    return found.url if found else selectors.placement(course.cohort, "cohort").url


# An instructor's launch syncs the roster in the background, at most this often per course.
SYNC_ON_LAUNCH_AFTER = timedelta(minutes=10)


def queue_roster_sync_if_stale(course: LtiCourse) -> None:
    if not course.context.memberships_url:
        return
    if course.synced_at and timezone.now() - course.synced_at < SYNC_ON_LAUNCH_AFTER:
        return
    queue_roster_sync(course)


@transaction.atomic
def arrive(launch: LtiLaunch) -> Arrival:
    """Account, role, course and destination for a validated ``launch``."""
    role = people.role_for(launch.roles_claim)
    if role is None:
        raise Forbidden(
            "lti_role",
            "Your role in this course has no place in Staffroom: it opens for instructors, "
            "teaching assistants and learners.",
        )
    sync_data_from_launch(launch)
    user = people.person_for(lti_user=launch.user, claims=launch.get_launch_data())
    context_claim = launch.context_claim
    if not isinstance(context_claim, dict) or not context_claim.get("id"):
        return Arrival(user=user, role=role, next=Next.NO_COURSE)
    context = launch.context
    course = selectors.course_for(context)
    is_tutor = role == Membership.Role.TUTOR
    if launch.is_deep_link_launch:
        if not is_tutor:
            raise Forbidden("lti_role", "Only the course's instructors can place Staffroom links.")
        if course is not None:
            courses.place(course=course, user=user, role=role)
        return Arrival(
            user=user,
            role=role,
            context=context,
            course=course,
            next=Next.PICK if course else Next.SET_UP,
        )
    if course is None:
        return Arrival(
            user=user,
            role=role,
            context=context,
            next=Next.SET_UP if is_tutor else Next.NOT_SET_UP,
        )
    courses.place(course=course, user=user, role=role)
    if is_tutor:
        queue_roster_sync_if_stale(course)
    return Arrival(
        user=user,
        role=role,
        context=context,
        course=course,
        next=Next.LAND,
        url=_target_url(course, launch),
    )
