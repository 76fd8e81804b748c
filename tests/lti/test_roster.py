"""NRPS roster sync against the test platform's member list."""

from __future__ import annotations

import pytest
from django.test import Client
from lti_tool.models import LtiContext, LtiUser

from mentoring.lti.services.roster import sync_roster
from mentoring.lti.services.tasks import queue_all_roster_syncs
from mentoring.models import LtiCourse, LtiRosterEntry, Membership, Post, User
from tests.factories import make_cohort, signed_in
from tests.lti.conftest import launch
from tests.lti.platform import INSTRUCTOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(platform):
    """A course linked to a new cohort by its instructor's launch."""
    client = Client()
    launch(client, platform, sub="prof-1", roles=[INSTRUCTOR], email="prof@uni.example")
    client.post("/lti/course/", {"action": "create", "name": "PGCE"})
    course = LtiCourse.objects.get()
    course.client = client
    platform.tool_jwks = Client().get("/lti/jwks/").json()
    platform.members["course-1"] = [
        platform.member("prof-1", roles=[INSTRUCTOR], email="prof@uni.example")
    ]
    return course


def subs_in(cohort, role=None) -> set[str]:
    memberships = Membership.objects.filter(cohort=cohort)
    if role:
        memberships = memberships.filter(role=role)
    users = [m.user_id for m in memberships]
    return set(LtiUser.objects.filter(auth_user__in=users).values_list("sub", flat=True))


def test_thirty_join_two_leave_roles_change_invited_left_alone(platform, course):
    cohort = course.cohort
    invited = User.objects.create_user("invited", email="inv@uni.example")
    Membership.objects.create(cohort=cohort, user=invited, role="member")
    learners = [platform.member(f"s{n}") for n in range(30)]
    platform.members["course-1"] += learners
    report = sync_roster(course=course)
    assert len(report.enrolled) == 30 and not report.removed
    assert subs_in(cohort, "member") == {f"s{n}" for n in range(30)}
    assert Membership.objects.filter(cohort=cohort, user=invited).exists()

    again = sync_roster(course=course)  # idempotent
    assert not again.changed and again.unchanged == 31

    leaver = LtiUser.objects.get(sub="s0").auth_user
    board = cohort.boards.filter(kind="general").first()
    from mentoring.boards.services.posts import create_thread

    create_thread(board=board, author=leaver, title="Hello", body="My post stays")
    platform.members["course-1"] = [
        m for m in platform.members["course-1"] if m["user_id"] not in ("s0", "s1")
    ]
    platform.members["course-1"][-1]["roles"] = [INSTRUCTOR]  # s29 becomes an instructor
    report = sync_roster(course=course)
    assert len(report.removed) == 2 and len(report.role_changed) == 1
    assert "s0" not in subs_in(cohort) and "s1" not in subs_in(cohort)
    assert "s29" in subs_in(cohort, "tutor")
    assert Post.objects.filter(author=leaver, body__contains="My post stays").exists()
    assert Membership.objects.filter(cohort=cohort, user=invited).exists()  # not the course's
    assert not LtiRosterEntry.objects.filter(user=leaver).exists()
    assert not User.objects.get(pk=leaver.pk).is_staff
    assert course.__class__.objects.get(pk=course.pk).sync_report["removed"]


def test_inactive_members_leave(platform, course):
    platform.members["course-1"] += [platform.member("s1")]
    sync_roster(course=course)
    platform.members["course-1"][-1]["status"] = "Inactive"
    report = sync_roster(course=course)
    assert len(report.removed) == 1


def test_failed_fetch_changes_nothing_and_is_recorded(platform, course):
    platform.members["course-1"] += [platform.member("s1")]
    sync_roster(course=course)
    platform.tool_jwks = {"keys": []}  # the platform refuses the tool's token request
    from django.core.cache import cache

    cache.clear()
    report = sync_roster(course=course)
    assert report.error and not report.changed
    assert "s1" in subs_in(course.cohort)
    course.refresh_from_db()
    assert course.sync_report["error"]


def test_a_platform_that_never_answers_is_given_up_on(platform, course, monkeypatch):
    """The member list's address accepts the connection and says nothing: the sync reports the
    platform unavailable after the timeout instead of holding its thread for ever."""
    import socket
    import time

    from mentoring.lti.services import platform_http

    monkeypatch.setattr(platform_http, "TIMEOUT", 1)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections wait in the backlog; nothing ever reads or answers
    try:
        context = course.context
        context.memberships_url = f"http://127.0.0.1:{silent.getsockname()[1]}/nrps/course-1"
        context.save(update_fields=["memberships_url"])
        started = time.monotonic()
        report = sync_roster(course=course)
        assert time.monotonic() - started < 10
    finally:
        silent.close()
    assert "could not be fetched" in report.error and not report.changed


def test_sync_now_button(platform, course):
    platform.members["course-1"] += [platform.member("s1"), platform.member("s2")]
    cohort = course.cohort
    tutor = LtiUser.objects.get(sub="prof-1").auth_user
    client = signed_in(tutor)
    page = client.get(f"/cohorts/{cohort.pk}/platform/")
    assert page.status_code == 200 and b"never" in page.content
    response = client.post(f"/cohorts/{cohort.pk}/platform/sync/", follow=True)
    assert b"2 joined, 0 left" in response.content
    members_page = client.get(f"/cohorts/{cohort.pk}/members/")
    assert b"lti-platform-link" in members_page.content


def test_nightly_queues_every_linked_course(platform, course):
    from django_tasks_db.models import DBTaskResult

    other = make_cohort(name="Unlinked")
    assert other and queue_all_roster_syncs() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="sync_course_roster").count() >= 1


def test_instructor_launch_queues_a_sync(platform, course, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        launch(Client(), platform, sub="prof-1", roles=[INSTRUCTOR], email="prof@uni.example")
    assert DBTaskResult.objects.count() == before + 1
    assert LtiContext.objects.get().memberships_url
