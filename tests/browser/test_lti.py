"""In Chromium with third-party cookies blocked, against the test LTI 1.3 platform
(tests/lti/platform.py) on its own port and another site (localhost; the tool is 127.0.0.1): an
instructor launches, creates the cohort and deep-links a released scenario; a learner launches
inside the platform's iframe (state and nonce through the platform's postMessage storage),
continues in a new window by the one-time hand-off and posts; the roster sync brings 30 learners
in and takes 2 out; participation and a submitted solution reach the platform's gradebook
through the worker."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from mentoring.lti.services.registration import register_platform
from mentoring.models import LtiCourse, Post
from scenarios.services.releases import release_scenario
from scenarios.services.solutions import save_solution, submit_solution
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, database_url_for_servers
from tests.lti.platform import DL, INSTRUCTOR, LEARNER, Platform
from tests.scenarios.helpers import make_module, make_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def platform(live_url):
    # Another site than the tool (localhost vs 127.0.0.1), so its iframe is third-party.
    platform = Platform(host="localhost")
    assert urlsplit(platform.url).hostname != urlsplit(live_url).hostname
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


@pytest.fixture
def browser_profile(chromium, tmp_path):
    """``browser_profile(block_third_party_cookies)`` → a Chromium profile (a persistent
    context) with the "Block third-party cookies" setting on or off, as a person sets it."""
    contexts = []

    def open_profile(block: bool):
        profile = tmp_path / f"profile-{len(contexts)}"
        (profile / "Default").mkdir(parents=True)
        mode = 1 if block else 0  # cookie_controls_mode: 0 allow, 1 block third-party
        preferences = {
            "profile": {"cookie_controls_mode": mode, "block_third_party_cookies": block}
        }
        (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
        context = chromium.browser_type.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 900},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_profile
    for context in contexts:
        context.close()


def tool_cookie_in_platform_iframe(context, tool_url: str, platform_url: str):
    """Sets a ``SameSite=None; Secure`` cookie on the tool's site (first party), then opens a
    page of the tool in an iframe on the platform's site: what the iframe sees of it."""
    page = context.new_page()
    page.goto(tool_url)
    page.evaluate("document.cookie = 'probe=1; SameSite=None; Secure; Path=/'")
    assert "probe=1" in page.evaluate("document.cookie")
    page.goto(platform_url)
    page.set_content(f'<iframe name="probe" src="{tool_url}"></iframe>')
    frame = page.frame(name="probe")
    frame.wait_for_load_state()
    seen = frame.evaluate("document.cookie"), frame.evaluate("document.hasStorageAccess()")
    page.close()
    return seen


def test_the_cookie_probe_tells_blocked_from_allowed(browser_profile, live_url, platform):
    """What the main test asserts to prove third-party cookies are blocked does tell."""
    tool, other_site = live_url + "/lti/register/", platform.url + "/jwks"
    cookie, access = tool_cookie_in_platform_iframe(browser_profile(False), tool, other_site)
    assert "probe=1" in cookie and access is True
    cookie, access = tool_cookie_in_platform_iframe(browser_profile(True), tool, other_site)
    assert "probe=1" not in cookie and access is False


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


def test_course_from_the_platform(chromium, browser_profile, live_url, platform, wagtail_root):
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

    # --- A learner opens the placed link inside the course page's iframe (a third-party
    # context: the platform is another site, third-party cookies are blocked) and posts.
    platform.launches["link"] = {"roles": [LEARNER], "custom": item["custom"]}
    learner_context = browser_profile(True)  # "Block third-party cookies" on
    cookie, access = tool_cookie_in_platform_iframe(
        learner_context, live_url + "/lti/register/", platform.url + "/jwks"
    )
    assert "probe=1" not in cookie and access is False  # really blocked
    course_page = learner_context.new_page()
    course_page.goto(f"{platform.url}/course?user=lee&launch=link&frame=1&storage=1")
    frame = course_page.frame_locator("#tool")
    new_window = frame.get_by_role("link", name="Open Staffroom in a new window")
    expect(new_window).to_be_visible()
    tool_frame = course_page.frame(name="tool")
    assert tool_frame.url.startswith(live_url + "/lti/launch/")
    # Blocked in the launch's iframe too: the tool's own cookie is not there.
    assert "probe=1" not in tool_frame.evaluate("document.cookie")
    assert tool_frame.evaluate("document.hasStorageAccess()") is False
    # The state and nonce went through the platform's storage, and the state came back from
    # it (LTI client-side postMessages): the launch itself succeeded in the iframe.
    messages = course_page.evaluate("window.ltiMessages")
    assert messages.count("lti.put_data") == 2 and "lti.get_data" in messages
    # The session cannot live there: the learner continues in a window of Staffroom's own.
    with course_page.expect_popup() as popup:
        new_window.click()
    window = popup.value
    assert "probe=1" in window.evaluate("document.cookie")  # first party: there
    window.get_by_role("button", name="Continue as Lee Learner").click()
    expect(window.get_by_role("heading", level=1)).to_contain_text(release.scenario.title)
    handoff_url = new_window.get_attribute("href")
    board = cohort.boards.get(kind="general")
    window.goto(f"{live_url}/boards/{board.pk}/")
    window.get_by_label("Title").fill("Hello from the VLE")
    window.get_by_label("Your first post").fill("Posted after a launch in the platform's iframe.")
    window.get_by_role("button", name="Start thread").click()
    expect(window.get_by_text("Posted after a launch in the platform's iframe.")).to_be_visible()
    post = Post.objects.get(body__contains="launch in the platform's iframe")
    assert post.author.lti_users.get().sub == "learner-1"
    # The hand-off link was for once.
    window.goto(live_url + handoff_url)
    expect(window.get_by_role("alert")).to_contain_text("used already or has expired")

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
