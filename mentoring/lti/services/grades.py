"""Assignment and Grade Services: scores to the courses' gradebooks.

What goes is the cohort's choice (``LtiGradebook``): participation (each member's status as a
score, per the cohort's table) and/or scenario solutions (submitted = 1, the tutor's feedback
as the comment). A score is recorded here first (``LtiGrade``, pending), then the worker sends
it: the column (line item) is found or made once per course and remembered, and a failed send
is retried with a growing wait until ``MAX_ATTEMPTS``, after which it shows as failed on the
cohort's platform page. Only people the platform knows (an LTI user of the course's platform)
get scores."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from lti_tool.models import LtiLineItem, LtiUser
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from requests import RequestException

from mentoring.core.errors import Forbidden, Invalid
from mentoring.lti.services.platform_http import connector
from mentoring.models import (
    Cohort,
    LtiCourse,
    LtiGrade,
    LtiGradebook,
    Membership,
    ParticipationStatus,
    User,
)
from mentoring.participation.selectors.rows import status_expression
from mentoring.rules.permissions import is_tutor

logger = logging.getLogger("mentoring.lti")
PARTICIPATION = "participation"
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)


def gradebook_of(cohort: Cohort) -> LtiGradebook:
    return LtiGradebook.objects.get_or_create(cohort=cohort)[0]


@transaction.atomic
def update_gradebook(
    *,
    cohort: Cohort,
    by: User,
    send_participation: bool,
    send_solutions: bool,
    participation_scores: dict[str, float],
) -> LtiGradebook:
    if not is_tutor(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can change what goes to grades.")
    scores = {}
    for status in ParticipationStatus.values:
        value = participation_scores.get(status)
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise Invalid(
                "invalid", f"The score for {status} must be between 0 and 1.", field=status
            )
        scores[status] = float(value)
    book = LtiGradebook.objects.select_for_update().get_or_create(cohort=cohort)[0]
    book.send_participation = send_participation
    book.send_solutions = send_solutions
    book.participation_scores = scores
    book.save()
    return book


def _platform_users(course: LtiCourse, users: list[User]) -> dict[int, str]:
    """Each user's ``sub`` on the course's platform (those without one get no score)."""
    registration_id = course.context.deployment.registration_id
    return dict(
        LtiUser.objects.filter(registration_id=registration_id, auth_user__in=users)
        .order_by("pk")
        .values_list("auth_user_id", "sub")
    )


def _record(
    *,
    course: LtiCourse,
    user_id: int,
    key: str,
    label: str,
    score: float,
    comment: str,
    now: datetime,
) -> LtiGrade | None:
    grade = (
        LtiGrade.objects.select_for_update()
        .filter(course=course, user_id=user_id, item_key=key)
        .first()
    )
    if grade is not None and grade.score == score and grade.comment == comment:
        return None  # already recorded (and sent or on its way)
    if grade is None:
        grade = LtiGrade(course=course, user_id=user_id, item_key=key)
    grade.item_label = label[:255]
    grade.score, grade.comment = score, comment
    grade.status, grade.attempts, grade.last_error = LtiGrade.Status.PENDING, 0, ""
    grade.updated_at = now
    grade.save()
    return grade


def _queue(grades: list[LtiGrade]) -> None:
    ids = [g.pk for g in grades]
    transaction.on_commit(lambda: [send_grade.enqueue(pk) for pk in ids])


@transaction.atomic
def record_solution(
    *, cohort: Cohort, users: list[User], key: str, label: str, comment: str = ""
) -> list[LtiGrade]:
    """A group's solution is in (or has feedback): 1 for each member, in every course."""
    book = LtiGradebook.objects.filter(cohort=cohort).first()
    if book is None or not book.send_solutions:
        return []
    now = timezone.now()
    recorded = []
    for course in LtiCourse.objects.filter(cohort=cohort).select_related("context__deployment"):
        for user_id in _platform_users(course, users):
            grade = _record(
                course=course,
                user_id=user_id,
                key=key,
                label=label,
                score=1.0,
                comment=comment,
                now=now,
            )
            if grade:
                recorded.append(grade)
    _queue(recorded)
    return recorded


@transaction.atomic
def record_participation(*, course: LtiCourse, now: datetime | None = None) -> list[LtiGrade]:
    """Each member's participation status as a score (when the cohort sends it)."""
    cohort = course.cohort
    book = LtiGradebook.objects.filter(cohort=cohort).first()
    if book is None or not book.send_participation:
        return []
    now = now or timezone.now()
    members = (
        Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER)
        .annotate(status=status_expression(cohort.reader_threshold))
        .values_list("user_id", "status")
    )
    statuses = dict(members)
    subs = _platform_users(course, list(User.objects.filter(pk__in=statuses)))
    recorded = []
    for user_id in subs:
        score = float(book.participation_scores.get(statuses[user_id], 0.0))
        grade = _record(
            course=course,
            user_id=user_id,
            key=PARTICIPATION,
            label=f"Participation in {cohort.name}",
            score=score,
            comment="",
            now=now,
        )
        if grade:
            recorded.append(grade)
    _queue(recorded)
    return recorded


# --- Sending (the worker) ---------------------------------------------------------------------
def _service(course: LtiCourse) -> AssignmentsGradesService:
    context = course.context
    if not context.lineitems_url or not context.can_publish_scores:
        raise LtiException("The course's platform offers no gradebook (AGS) here")
    scopes = ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
    if context.can_manage_lineitems:
        scopes.append("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem")
    if context.can_query_lineitems:
        scopes.append("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly")
    return AssignmentsGradesService(
        connector(context.deployment.registration.to_registration()),
        {"lineitems": context.lineitems_url, "scope": scopes},
    )


def _line_item(grade: LtiGrade, service: AssignmentsGradesService) -> LtiLineItem:
    """The grade's column on the platform: remembered once found or made."""
    context = grade.course.context
    known = LtiLineItem.objects.filter(context=context, tag=grade.item_key).first()
    if known is not None:
        return known
    wanted = (
        LineItem()
        .set_tag(grade.item_key)
        .set_resource_id(grade.item_key)
        .set_label(grade.item_label)
        .set_score_maximum(1)
    )
    found = service.find_or_create_lineitem(wanted)
    item, _ = LtiLineItem.objects.get_or_create(
        url=found.get_id(),
        defaults={
            "context": context,
            "maximum_score": 1,
            "label": grade.item_label,
            "tag": grade.item_key,
            "resource_id": grade.item_key,
        },
    )
    return item


def send(grade_id: int, *, now: datetime | None = None) -> timedelta | None:
    """Send one grade; on failure, the wait before the next try (None: no retry)."""
    now = now or timezone.now()
    grade = (
        LtiGrade.objects.select_related("course__context__deployment__registration", "user")
        .filter(pk=grade_id, status=LtiGrade.Status.PENDING)
        .first()
    )
    if grade is None:
        return None
    sub = _platform_users(grade.course, [grade.user]).get(grade.user_id)
    try:
        if sub is None:
            raise LtiException("The platform does not know this person")
        service = _service(grade.course)
        item = _line_item(grade, service)
        score = (
            Grade()
            .set_score_given(grade.score)
            .set_score_maximum(1)
            .set_timestamp(now.isoformat())
            .set_activity_progress("Completed")
            .set_grading_progress("FullyGraded")
            .set_user_id(sub)
        )
        if grade.comment:
            score.set_comment(grade.comment[:4000])
        service.put_grade(score, LineItem({"id": item.url}))
    except (LtiException, LtiServiceException, RequestException, ValueError, KeyError) as error:
        attempts = grade.attempts + 1
        failed = attempts >= MAX_ATTEMPTS
        LtiGrade.objects.filter(pk=grade.pk, updated_at=grade.updated_at).update(
            attempts=attempts,
            last_error=str(error)[:1000],
            status=LtiGrade.Status.FAILED if failed else LtiGrade.Status.PENDING,
        )
        logger.warning("LTI grade %s not sent (try %d): %s", grade.pk, attempts, error)
        return None if failed else FIRST_RETRY * 2 ** (attempts - 1)
    # Sent, unless a newer score was recorded meanwhile (then that one goes next).
    LtiGrade.objects.filter(pk=grade.pk, updated_at=grade.updated_at).update(
        status=LtiGrade.Status.SENT,
        sent_at=now,
        line_item=item,
        attempts=grade.attempts + 1,
        last_error="",
    )
    return None


@task()
def send_grade(grade_id: int) -> bool:
    """The worker's task: send one score; a failure tries again later, waiting longer each
    time (``send``)."""
    wait = send(grade_id)
    if wait is not None:
        send_grade.using(run_after=timezone.now() + wait).enqueue(grade_id)
    return wait is None


def grade_counts(cohort: Cohort) -> dict[str, int]:
    counts = {status: 0 for status in LtiGrade.Status.values}
    for status in LtiGrade.objects.filter(course__cohort=cohort).values_list("status", flat=True):
        counts[status] += 1
    return counts


def failed_grades(cohort: Cohort) -> list[LtiGrade]:
    return list(
        LtiGrade.objects.filter(course__cohort=cohort, status=LtiGrade.Status.FAILED)
        .select_related("user")
        .order_by("-updated_at")[:50]
    )
