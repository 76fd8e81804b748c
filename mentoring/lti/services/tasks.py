"""LTI work for the background worker (django-tasks): roster syncs. Arguments are ids only."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from mentoring.lti.services import grades
from mentoring.lti.services.roster import sync_roster
from mentoring.models import LtiCourse


@task()
def sync_course_roster(course_id: int) -> dict:
    course = LtiCourse.objects.select_related("cohort", "context").filter(pk=course_id).first()
    if course is None or course.cohort.archived_at is not None:
        return {}
    report = sync_roster(course=course).as_dict()
    grades.record_participation(course=course)
    return report


def queue_roster_sync(course: LtiCourse) -> None:
    """Sync ``course`` in the background once the current transaction commits."""
    transaction.on_commit(lambda: sync_course_roster.enqueue(course.pk))


def queue_all_roster_syncs() -> int:
    """Every linked course whose platform offers a member list and whose cohort is open
    (the nightly sync, ``manage.py lti_sync_rosters``)."""
    ids = list(
        LtiCourse.objects.filter(cohort__archived_at__isnull=True)
        .exclude(context__memberships_url="")
        .values_list("pk", flat=True)
    )
    for course_id in ids:
        sync_course_roster.enqueue(course_id)
    return len(ids)
