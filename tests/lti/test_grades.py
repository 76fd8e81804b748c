"""Assignment and Grade Services against the test platform: participation and solutions."""

from __future__ import annotations

import pytest
from django.test import Client
from lti_tool.models import LtiLineItem, LtiUser

from mentoring.lti.services import grades
from mentoring.lti.services.roster import sync_roster
from mentoring.models import LtiCourse, LtiGrade, Membership
from scenarios.services.releases import release_scenario
from scenarios.services.solutions import give_feedback, save_solution, submit_solution
from tests.factories import signed_in
from tests.lti.conftest import launch
from tests.lti.platform import INSTRUCTOR
from tests.scenarios.helpers import make_module, make_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(platform):
    client = Client()
    launch(client, platform, sub="prof-1", roles=[INSTRUCTOR], email="prof@uni.example")
    client.post("/lti/course/", {"action": "create", "name": "PGCE"})
    course = LtiCourse.objects.get()
    platform.tool_jwks = Client().get("/lti/jwks/").json()
    platform.members["course-1"] = [
        platform.member("prof-1", roles=[INSTRUCTOR], email="prof@uni.example"),
        *[platform.member(f"s{n}") for n in range(4)],
    ]
    sync_roster(course=course)
    course.tutor = LtiUser.objects.get(sub="prof-1").auth_user
    return course


def send_all() -> None:
    for pk in LtiGrade.objects.filter(status="pending").values_list("pk", flat=True):
        grades.send(pk)


def test_tutor_sets_the_gradebook_and_participation_arrives(platform, course):
    client = signed_in(course.tutor)
    cohort = course.cohort
    response = client.post(
        f"/cohorts/{cohort.pk}/platform/grades/",
        {
            "send_participation": "on",
            "score_contributor": "1",
            "score_reader": "0.6",
            "score_resource_only": "0.3",
            "score_inactive": "0",
        },
    )
    assert response.status_code == 302
    bad = client.post(f"/cohorts/{cohort.pk}/platform/grades/", {"score_contributor": "7"})
    assert bad.status_code == 200  # the form again, with its error; nothing saved
    assert grades.gradebook_of(cohort).participation_scores["reader"] == 0.6

    recorded = grades.record_participation(course=course)
    assert len(recorded) == 4  # members only, each once
    assert grades.record_participation(course=course) == []  # unchanged: nothing new
    send_all()
    assert len(platform.scores) == 4
    assert {s["scoreGiven"] for s in platform.scores} == {0.0}  # all inactive so far
    assert len(platform.line_items["course-1"]) == 1
    assert platform.line_items["course-1"][0]["tag"] == "participation"
    assert set(LtiGrade.objects.values_list("status", flat=True)) == {"sent"}
    page = client.get(f"/cohorts/{cohort.pk}/platform/")
    assert b'data-status="sent">4<' in page.content


def test_submitted_solution_scores_one_and_feedback_is_the_comment(platform, course, wagtail_root):
    cohort = course.cohort
    grades.update_gradebook(
        cohort=cohort,
        by=course.tutor,
        send_participation=False,
        send_solutions=True,
        participation_scores={"contributor": 1, "reader": 0.5, "resource_only": 0.2, "inactive": 0},
    )
    release = release_scenario(
        cohort=cohort, scenario=make_scenario(make_module()), by=course.tutor
    )
    group = release.groups.first()
    member = group.members.first()
    save_solution(group=group, author=member, body="Our plan")
    submit_solution(group=group, by=member)
    send_all()
    members = set(group.members.values_list("pk", flat=True))
    assert len(platform.scores) == len(members)
    assert all(s["scoreGiven"] == 1 and s["scoreMaximum"] == 1 for s in platform.scores)
    give_feedback(solution=group.solution, tutor=course.tutor, body="Well argued")
    send_all()
    with_comment = [s for s in platform.scores if s.get("comment") == "Well argued"]
    assert len(with_comment) == len(members)
    items = platform.line_items["course-1"]
    assert len(items) == 1 and items[0]["tag"] == f"release:{release.pk}"  # made once
    assert LtiLineItem.objects.count() == 1


def test_failed_sends_are_retried_with_backoff_then_shown_failed(platform, course):
    cohort = course.cohort
    grades.update_gradebook(
        cohort=cohort,
        by=course.tutor,
        send_participation=True,
        send_solutions=False,
        participation_scores={"contributor": 1, "reader": 0.5, "resource_only": 0.2, "inactive": 0},
    )
    grades.record_participation(course=course)
    grade = LtiGrade.objects.order_by("pk").first()
    platform.score_failures = 100
    waits = [grades.send(grade.pk) for _ in range(grades.MAX_ATTEMPTS)]
    assert waits[:-1] == [grades.FIRST_RETRY * 2**n for n in range(grades.MAX_ATTEMPTS - 1)]
    assert waits[-1] is None
    grade.refresh_from_db()
    assert grade.status == "failed" and grade.last_error
    page = signed_in(course.tutor).get(f"/cohorts/{cohort.pk}/platform/")
    assert b"lti-failed-grades" in page.content

    other = LtiGrade.objects.exclude(pk=grade.pk).first()
    platform.score_failures = 1
    assert grades.send(other.pk) == grades.FIRST_RETRY
    assert grades.send(other.pk) is None
    other.refresh_from_db()
    assert other.status == "sent"


def test_nobody_outside_the_platform_gets_a_score(platform, course):
    from django.contrib.auth import get_user_model

    invited = get_user_model().objects.create_user("invited")
    Membership.objects.create(cohort=course.cohort, user=invited, role="member")
    grades.update_gradebook(
        cohort=course.cohort,
        by=course.tutor,
        send_participation=True,
        send_solutions=False,
        participation_scores={"contributor": 1, "reader": 0.5, "resource_only": 0.2, "inactive": 0},
    )
    recorded = grades.record_participation(course=course)
    assert invited.pk not in {g.user_id for g in recorded}
