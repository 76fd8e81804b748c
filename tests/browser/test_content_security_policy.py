"""Under the Content-Security-Policy nothing is refused in a real browser: the Wagtail admin
(which gets its allowances), a scenario page with its image and video, and a live thread page
whose websocket connects (issue 9 #14)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.boards.services import posts
from mentoring.models import Board
from scenarios.services.permissions import grant_scenario_authoring
from scenarios.services.releases import release_scenario
from tests.scenarios.helpers import make_module, make_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page) -> list[str]:
    """Console errors and page errors, CSP refusals among them ("Refused to …")."""
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _csp_refusals(problems: list[str]) -> list[str]:
    return sorted({p for p in problems if "Content Security Policy" in p or "Refused to" in p})


def test_admin_scenario_and_live_thread_run_without_csp_refusals(
    browser_as, cohort, tutor, members
):
    scenario = make_scenario(make_module(), with_image=True)
    release_scenario(cohort=cohort, scenario=scenario, by=None)
    grant_scenario_authoring(user=tutor)
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = posts.create_thread(board=board, author=tutor, title="Starters", body="Ideas?")

    admin = browser_as(tutor)
    admin_problems = _watch(admin)
    response = admin.goto("/admin/")
    assert "script-src 'self' 'unsafe-inline'" in response.headers["content-security-policy"]
    expect(admin.locator("#wagtail")).to_be_visible()
    admin.goto(f"/admin/pages/{scenario.pk}/edit/")
    expect(admin.locator("#id_title")).to_have_value(scenario.title)
    admin.wait_for_load_state("networkidle")
    # An editor's view of the page itself carries Wagtail's user bar, under the strict policy.
    admin.goto(scenario.url)
    expect(admin.locator("wagtail-userbar")).to_be_attached()
    admin.wait_for_load_state("networkidle")
    assert _csp_refusals(admin_problems) == [], admin_problems

    member = browser_as(members[0])
    problems = _watch(member)
    response = member.goto(scenario.url)
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    assert response.headers["cache-control"] == "private, no-store"
    expect(member.get_by_role("heading", name=scenario.title)).to_be_visible()
    member.wait_for_load_state("networkidle")

    member.goto(f"/threads/{thread.pk}/")
    expect(member.get_by_role("heading", name="Starters")).to_be_visible()
    # live.js marks the page once the socket's "ready" arrived: connect-src 'self' let it through.
    member.wait_for_function(
        "() => (document.documentElement.dataset.live || '').includes('/ws/threads/')"
    )
    assert _csp_refusals(problems) == [], problems
