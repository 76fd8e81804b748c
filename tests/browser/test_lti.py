"""In Chromium, against the test LTI 1.3 platform (tests/lti/platform.py) on its own port: an
instructor launches, creates the cohort and deep-links a released scenario; a learner launches
inside the platform's iframe and posts; the roster sync brings 30 learners in and takes 2 out;
participation and a submitted solution reach the platform's gradebook through the worker."""

from __future__ import annotations

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from mentoring.lti.services.registration import register_platform
from mentoring.models import LtiCourse, Post
from scenarios.services.releases import release_scenario
from scenarios.services.solutions import save_solution, submit_solution
from tests.conftest import ROOT, database_url_for_servers
from tests.lti.platform import DL, INSTRUCTOR, LEARNER, Platform
from tests.scenarios.helpers import make_module, make_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def platform(live_url):
    platform = Platform()
    platform.tool_login_url = live_url + "/lti/login/"
    platform.tool_redirect_uris = [live_url + "/lti/launch/", live_url + "/lti/deep-linking/"]
    platform.tool_jwks = live_url + "/lti/jwks/"
    register_platform(
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_ids=[platform.deployment_id],
        auth_url=platform.auth_url,
        token_url=platform.token_url,
        jwks_url=platform.jwks_url,
    )
    yield platform
    platform.stop()


def run_worker() -> None:
    """The background worker, once through the queue (as `manage.py run_worker` would)."""
    env = {
        "DATABASE_URL": database_url_for_servers(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    import os

    subprocess.run(
        [sys.executable, "manage.py", "run_worker", "--batch", "--queue-name", "*"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        timeout=120,
    )


def test_course_from_the_platform(chromium, live_url, platform, wagtail_root):
    prof = {
        "sub": "prof-1",
        "name": "Pat Prof",
        "given_name": "Pat",
        "family_name": "Prof",
        "email": "prof@uni.example",
    }
    learner = {
        "sub": "learner-1",
        "name": "Lee Learner",
        "given_name": "Lee",
        "family_name": "Learner",
        "email": "lee@uni.example",
    }
    platform.users.update({"prof": prof, "lee": learner})
    platform.launches["add"] = {"roles": [INSTRUCTOR], "message_type": "LtiDeepLinkingRequest"}

    # --- The instructor adds Staffroom to the course (deep linking, a new window).
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{platform.url}/course?user=prof&launch=add&target={live_url}/lti/deep-linking/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Set up")
    page.get_by_label("Name of the new cohort").fill("PGCE Secondary 2026")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Add Staffroom to")
    course = LtiCourse.objects.select_related("cohort").get()
    cohort = course.cohort
    tutor = course.context.members.get(sub="prof-1").auth_user
    release = release_scenario(cohort=cohort, scenario=make_scenario(make_module()), by=tutor)
    page.reload()
    page.get_by_label(f"Scenario: {release.scenario.title}").check()
    page.get_by_role("button", name="Add to the course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Added to the course")
    [response] = platform.deep_link_responses
    [item] = response[DL + "content_items"]
    assert item["custom"] == {"staffroom_target": f"release:{release.pk}"}

    # --- A learner opens the placed link inside the course page's iframe and posts.
    platform.launches["link"] = {"roles": [LEARNER], "custom": item["custom"]}
    learner_context = chromium.new_context(viewport={"width": 1200, "height": 900})
    learner_context.set_default_timeout(15_000)
    course_page = learner_context.new_page()
    course_page.goto(f"{platform.url}/course?user=lee&launch=link&frame=1&storage=1")
    frame = course_page.frame_locator("#tool")
    expect(frame.get_by_role("heading", level=1)).to_contain_text(release.scenario.title)
    # The state went through the platform's storage (LTI client-side postMessages).
    assert "lti.put_data" in course_page.evaluate("window.ltiMessages")
    board = cohort.boards.get(kind="general")
    tool_frame = course_page.frame(name="tool")
    tool_frame.goto(f"{live_url}/boards/{board.pk}/")
    frame.get_by_label("Title").fill("Hello from the VLE")
    frame.get_by_label("Your first post").fill("Posted inside the platform's iframe.")
    frame.get_by_role("button", name="Start thread").click()
    expect(frame.get_by_text("Posted inside the platform's iframe.")).to_be_visible()
    assert Post.objects.filter(body__contains="inside the platform's iframe").exists()

    # --- The roster follows the course: 30 join, then 2 leave.
    platform.members["course-1"] = [
        platform.member("prof-1", roles=[INSTRUCTOR], email="prof@uni.example"),
        platform.member("learner-1", email="lee@uni.example"),
        *[platform.member(f"s{n:02}") for n in range(30)],
    ]
    page.goto(f"{live_url}/cohorts/{cohort.pk}/members/")
    page.locator("#lti-platform-link").click()
    page.get_by_role("button", name="Sync the roster now").click()
    expect(page.locator(".messages")).to_contain_text("30 joined, 0 left")
    assert cohort.memberships.count() == 32  # the instructor, the learner and 30
    platform.members["course-1"] = platform.members["course-1"][:-2]
    page.get_by_role("button", name="Sync the roster now").click()
    expect(page.locator(".messages")).to_contain_text("0 joined, 2 left")
    assert cohort.memberships.count() == 30

    # --- Grades: participation and the learner's group's submitted solution.
    page.get_by_label("Send participation").check()
    page.get_by_label("Send scenario solutions").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved what goes to the gradebook")
    page.get_by_role("button", name="Sync the roster now").click()  # records participation
    lee = course.context.members.get(sub="learner-1").auth_user
    group = release.groups.get(members=lee)
    save_solution(group=group, author=lee, body="Meet him at the door, calmly.")
    submit_solution(group=group, by=lee)
    run_worker()
    labels = {item["label"] for item in platform.line_items["course-1"]}
    assert labels == {f"Participation in {cohort.name}", release.scenario.title}
    [column] = [i["id"] for i in platform.line_items["course-1"] if i["tag"] == "participation"]
    participation = [s for s in platform.scores if s["lineitem"] == column]
    assert len(participation) == 29  # every member the platform knows (tutors get none)
    by_lee = [s for s in platform.scores if s["userId"] == "learner-1" and s["scoreGiven"] == 1]
    assert by_lee, platform.scores
    page.reload()
    expect(page.locator("#lti-grade-counts [data-status='failed']")).to_have_text("0")
    context.close()
    learner_context.close()
