"""The pages of bringing people in, in a real browser: axe finds nothing at desktop and phone
size and nothing scrolls sideways (the members page with the join link on, the asking-first
pages, the old-link page), and the progress page of a batch updates itself under the strict
Content-Security-Policy without reloading (no <meta http-equiv="refresh">)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.invitations.services.invitations import (
    configure_join_link,
    invite_emails,
    resend_invitation,
)
from mentoring.models import Invitation
from tests.browser.axe import (
    DESKTOP,
    PHONE,
    axe_source,
    axe_violations,
    sideways_overflow,
    wide_elements,
)
from tests.conftest import run_in_thread
from tests.invitations.helpers import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _build(cohort, tutor) -> dict:
    configure_join_link(cohort=cohort, by=tutor, enabled=True, allowed_domains="uni.example.ac.uk")
    report = invite_emails(
        cohort=cohort,
        by=tutor,
        emails=[f"nqt{n}@a-rather-long-school-domain.example.ac.uk" for n in range(1, 4)],
    )
    Invitation.objects.filter(email__startswith="nqt1@").update(
        first_name="Nia", last_name="Person"
    )
    invitation = Invitation.objects.get(email__startswith="nqt2@")
    old_token = invitation.token
    resend_invitation(invitation=invitation, by=tutor)
    return {"batch": report.batch.pk, "replaced": f"/invitations/{old_token}/"}


def _problems(page, source: str, who: str) -> list[str]:
    problems = []
    if page.viewport_size == PHONE and (overflow := sideways_overflow(page)) > 0:
        problems.append(f"{who}: scrolls sideways by {overflow}px")
        problems += [f"  wide: {w}" for w in wide_elements(page)]
    problems += [f"{who}: {v}" for v in axe_violations(page, source)]
    return problems


def test_invitation_pages_pass_axe_and_fit_a_phone(browser_as, cohort, tutor, outsider):
    source = axe_source()
    built = run_in_thread(_build, cohort, tutor)
    cid = cohort.pk
    pages = {
        "members (join link on)": (f"/cohorts/{cid}/members/", 200),
        "dashboard": (f"/cohorts/{cid}/dashboard/", 200),
        "batch progress": (f"/cohorts/{cid}/invitations/batches/{built['batch']}/", 200),
        "replaced link (410)": (built["replaced"], 410),
    }
    steps = {
        "revoke, asking first": "Revoke",
        "resend to all pending, asking first": "Resend to all pending…",
    }
    problems = []
    page = browser_as(tutor)
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name, (url, status) in pages.items():
            response = page.goto(url)
            if response is None or response.status != status:
                problems.append(f"{name} {size_name}: HTTP {response and response.status}")
                continue
            problems += _problems(page, source, f"{name} {size_name}")
        for name, button in steps.items():
            page.goto(f"/cohorts/{cid}/members/")
            with page.expect_navigation():
                page.get_by_role("button", name=button).first.click()
            if page.locator('input[name="confirm"]').count() == 0:
                problems.append(f"{name} {size_name}: no asking-first page ({page.url})")
                continue
            problems += _problems(page, source, f"{name} {size_name}")
    assert problems == [], "\n".join(problems)


def test_the_progress_page_follows_the_batch_without_reloading(browser_as, cohort, tutor):
    built = run_in_thread(_build, cohort, tutor)
    page = browser_as(tutor)
    refusals: list[str] = []
    page.on("console", lambda m: m.type == "error" and refusals.append(m.text))
    page.goto(f"/cohorts/{cohort.pk}/invitations/batches/{built['batch']}/")
    status = page.locator("#batch-progress")
    expect(status).to_contain_text("Sent 0 of 3")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    expect(page.get_by_role("link", name="Refresh")).to_be_hidden()  # the script took over
    page.evaluate("window.__same_page = true")
    run_in_thread(run_worker)
    expect(status).to_contain_text("All 3 e-mails sent", timeout=15_000)
    assert page.evaluate("window.__same_page === true")  # updated in place, not reloaded
    assert page.locator("progress").get_attribute("value") == "3"
    assert [r for r in refusals if "Refused" in r or "Content Security" in r] == []
