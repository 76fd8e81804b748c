"""axe-core reports nothing on the key pages, at desktop and phone size, also in an error state
after a failed submit, and no page scrolls sideways on a 390 px phone (issue 13). One data set,
one browser, one live server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.boards.services.moderation import flag_post, hide_post
from mentoring.boards.services.posts import create_post, create_thread
from mentoring.models import Board, Membership
from mentoring.notifications.services.notifications import notify
from scenarios.services.releases import release_scenario
from scenarios.services.solutions import save_solution
from tests.browser.axe import (
    DESKTOP,
    PHONE,
    axe_source,
    axe_violations,
    sideways_overflow,
    wide_elements,
)
from tests.conftest import run_in_thread
from tests.factories import make_cohort
from tests.scenarios.helpers import make_module, make_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class Pages:
    tutor: dict[str, str]
    member: dict[str, str]
    signed_out: dict[str, str]
    # Pages reached by pressing a button (the asking-first steps): name → (url, button's name).
    tutor_steps: dict[str, tuple[str, str]]
    member_steps: dict[str, tuple[str, str]]
    # Pages in an error state, reached by a failed submit: name → (url, {label: text}, button).
    tutor_failures: dict[str, tuple[str, dict[str, str], str]]
    member_failures: dict[str, tuple[str, dict[str, str], str]]


def _build(cohort, tutor, members) -> Pages:
    from demo.site import seed_home_page

    module = make_module()
    seed_home_page()
    scenario = make_scenario(module)
    general = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = create_thread(
        board=general, author=members[0], title="Year 9 after lunch", body="What works?"
    )
    reply = create_post(thread=thread, author=members[1], body="A *calm* start. #behaviour")
    rude = create_post(thread=thread, author=members[2], body="Something unkind")
    hide_post(post=rude, by=tutor, reason="Unkind to a colleague")
    flag_post(post=reply, by=members[0], reason="Please check")
    create_post(thread=thread, author=tutor, body="Thanks, all.", reply_to=reply)
    release = release_scenario(cohort=cohort, scenario=scenario, by=tutor, group_size=3)
    group = release.groups.first()
    save_solution(group=group, author=group.members.first(), body="Meet them at the door.")
    notify(user=tutor, kind="system", title="Welcome", url=f"/threads/{thread.pk}/")
    in_group = group.members.first()
    # A notification whose target has gone: its link shows the 410 page.
    notify(user=in_group, kind="system", title="Gone", url=f"/threads/{thread.pk + 1000}/")
    cid = cohort.pk
    tutor_pages = {
        "home": "/",
        "cohort": f"/cohorts/{cid}/",
        "board": f"/boards/{general.pk}/",
        "thread": f"/threads/{thread.pk}/",
        "dashboard": f"/cohorts/{cid}/dashboard/",
        "moderation": f"/cohorts/{cid}/moderation/",
        "notifications": "/notifications/",
        "account settings": "/settings/notifications/",
        "cohort settings": f"/cohorts/{cid}/settings/",
        "members": f"/cohorts/{cid}/members/",
        "releases": f"/scenarios/cohorts/{cid}/",
        "release": f"/scenarios/releases/{release.pk}/",
        "scenario": scenario.url,
        "group workspace": f"/scenarios/groups/{group.pk}/",
    }
    tutor_pages["inbox"] = f"/cohorts/{cid}/inbox/"
    tutor_pages["scheduled prompts"] = f"/cohorts/{cid}/scheduled/"
    # A new cohort with nobody in it yet: the page shows its tutor the next step.
    empty = make_cohort(name="Empty cohort", tutors=[tutor])
    tutor_pages["empty cohort"] = f"/cohorts/{empty.pk}/"
    # An alert with its reason (a disclosure in the dashboard's table).
    Membership.objects.filter(cohort=cohort, user=members[2]).update(
        last_seen_at=timezone.now() - timedelta(days=30)
    )
    member_pages = {
        "home": "/",
        "cohort": f"/cohorts/{cid}/",
        "thread": f"/threads/{thread.pk}/",
        "scenario": scenario.url,
        "group workspace": f"/scenarios/groups/{group.pk}/",
        "my participation": f"/cohorts/{cid}/my-participation/",
    }
    member_pages["gone (410)"] = f"/threads/{thread.pk + 1000}/"
    return Pages(
        tutor=tutor_pages,
        member={**member_pages, "_user": in_group.pk},
        signed_out={"home": "/", "login": "/accounts/login/"},
        tutor_steps={
            "close release, asking first": (
                f"/scenarios/releases/{release.pk}/",
                "Close this release now…",
            ),
            "remove member, asking first": (f"/cohorts/{cid}/members/", "Remove"),
        },
        member_steps={
            "submit solution, asking first": (
                f"/scenarios/groups/{group.pk}/",
                "Submit our solution…",
            ),
        },
        tutor_failures={
            "cohort settings, invalid value": (
                f"/cohorts/{cid}/settings/",
                {"Editing time after posting (minutes)": "99999", "Name": ""},
                "Save settings",
            ),
            "hide, no reason": (f"/posts/{reply.pk}/hide/", {}, "Hide post"),
        },
        member_failures={
            "reply, empty": (f"/threads/{thread.pk}/", {}, "Post"),
            "new thread, no title": (
                f"/boards/{general.pk}/",
                {"Your first post": "Text without a title"},
                "Start thread",
            ),
        },
    )


def _check(page, urls: dict[str, str], source: str, who: str) -> list[str]:
    problems = []
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name, url in urls.items():
            if name.startswith("_"):
                continue
            response = page.goto(url)
            wanted = 410 if "(410)" in name else 200
            if response is None or response.status != wanted:
                problems.append(f"{who} {name} {size_name}: HTTP {response and response.status}")
                continue
            if size is PHONE and (overflow := sideways_overflow(page)) > 0:
                problems.append(f"{who} {name} phone: scrolls sideways by {overflow}px")
                problems += [f"  wide: {w}" for w in wide_elements(page)]
            for violation in axe_violations(page, source):
                problems.append(f"{who} {name} {size_name}: {violation}")
    return problems


def _check_steps(page, steps: dict[str, tuple[str, str]], source: str, who: str) -> list[str]:
    """Each asking-first page, reached as a person would: open the page, press the button."""
    problems = []
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name, (url, button) in steps.items():
            page.goto(url)
            with page.expect_navigation():
                page.get_by_role("button", name=button).first.click()
            if page.locator('input[name="confirm"]').count() == 0:
                problems.append(f"{who} {name} {size_name}: no asking-first page ({page.url})")
                continue
            if size is PHONE and (overflow := sideways_overflow(page)) > 0:
                problems.append(f"{who} {name} phone: scrolls sideways by {overflow}px")
            for violation in axe_violations(page, source):
                problems.append(f"{who} {name} {size_name}: {violation}")
    return problems


# A roster dry run with errors, long addresses and ignored columns: its result is the answer to
# an upload, so it is reached by uploading.
ROSTER_WITH_ERRORS = (
    '\ufeff"First name","Last name","Email address","Roles","Groups","Status"\n'
    + "".join(
        f'"P{n}","Person","p{n}.with.a.rather.long.address@induction.uni.example","Student",'
        '"Group A","Active"\n'
        for n in range(30)
    )
    + '"Zoë","O\'Brien","not-an-address","Student","",""\n'
    + '"Ada","Lovelace","p3.with.a.rather.long.address@induction.uni.example","Manager","",""\n'
).encode()


def _check_roster_dry_run(page, cohort_id: int, source: str) -> list[str]:
    problems = []
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"/cohorts/{cohort_id}/roster/")
        page.get_by_label("Roster file (CSV)").set_input_files(
            {"name": "roster.csv", "mimeType": "text/csv", "buffer": ROSTER_WITH_ERRORS}
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Check the file").click()
        if page.locator("#roster-errors li").count() != 2:
            problems.append(f"tutor roster dry run {size_name}: the errors are not gathered")
        # An error's link opens the folded list at its line.
        page.locator("#roster-errors a").first.click()
        if not page.locator("#line-32").is_visible():
            problems.append(f"tutor roster dry run {size_name}: line 32 not shown by its link")
        if size is PHONE and (overflow := sideways_overflow(page)) > 0:
            problems.append(f"tutor roster dry run phone: scrolls sideways by {overflow}px")
            problems += [f"  wide: {w}" for w in wide_elements(page)]
        for violation in axe_violations(page, source):
            problems.append(f"tutor roster dry run {size_name}: {violation}")
    return problems


def _check_failures(
    page, failures: dict[str, tuple[str, dict[str, str], str]], source: str, who: str
) -> list[str]:
    """Each form after a failed submit: its errors shown (and focused), axe still content."""
    problems = []
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name, (url, fields, button) in failures.items():
            page.goto(url)
            for label, text in fields.items():
                page.get_by_label(label, exact=True).fill(text)
            with page.expect_navigation():
                page.get_by_role("button", name=button, exact=True).click()
            if page.locator(".errorlist, .form-errors").count() == 0:
                problems.append(f"{who} {name} {size_name}: no error shown ({page.url})")
                continue
            if size is PHONE and (overflow := sideways_overflow(page)) > 0:
                problems.append(f"{who} {name} phone: scrolls sideways by {overflow}px")
            for violation in axe_violations(page, source):
                problems.append(f"{who} {name} {size_name}: {violation}")
    return problems


def test_key_pages_pass_axe_and_fit_a_phone(browser_as, cohort, tutor, members, user_factory):
    from mentoring.models import User

    source = axe_source()
    pages = run_in_thread(_build, cohort, tutor, members)
    problems = []
    tutor_page = browser_as(tutor)
    problems += _check(tutor_page, pages.tutor, source, "tutor")
    problems += _check_steps(tutor_page, pages.tutor_steps, source, "tutor")
    problems += _check_roster_dry_run(tutor_page, cohort.pk, source)
    problems += _check_failures(tutor_page, pages.tutor_failures, source, "tutor")
    member = User.objects.get(pk=pages.member["_user"])
    member_page = browser_as(member)
    problems += _check(member_page, pages.member, source, "member")
    problems += _check_steps(member_page, pages.member_steps, source, "member")
    problems += _check_failures(member_page, pages.member_failures, source, "member")
    problems += _check(browser_as(), pages.signed_out, source, "signed out")
    assert problems == [], "\n".join(problems)
