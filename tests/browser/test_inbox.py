"""The tutor's week in a real browser: a member asks on "Ask a tutor"; the tutor's open inbox
page shows the toast and the badge and lists the question live; the tutor answers; it leaves."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory, make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_private_question_reaches_the_tutor_live_and_leaves_when_answered(browser_as, live_url):
    tutor = UserFactory(username="tutor_i", display_name="Tessa Tutor")
    nqt = UserFactory(username="nqt_i", display_name="Nadia NQT")
    cohort = make_cohort(name="Autumn NQTs", tutors=[tutor], members=[nqt])

    inbox = browser_as(tutor)
    inbox.goto(f"/cohorts/{cohort.pk}/inbox/")
    expect(inbox.get_by_role("heading", name="Inbox for Autumn NQTs")).to_be_visible()
    expect(inbox.locator("[data-inbox-items]")).to_contain_text("Nothing waits for a tutor.")
    inbox.wait_for_selector("[data-inbox][data-live=connected]")
    inbox.wait_for_function(
        "() => document.documentElement.dataset.live?.includes('/ws/notifications/')"
    )

    member = browser_as(nqt)
    member.goto(f"/cohorts/{cohort.pk}/ask-a-tutor/")
    member.get_by_label("Title").fill("Am I doing marking wrong?")
    member.get_by_label("Your first post").fill("It takes me every evening.")
    member.get_by_role("button", name="Start thread").click()
    expect(member.get_by_role("heading", name="Am I doing marking wrong?")).to_be_visible()

    # The tutor's page, not reloaded: toast, badge, and the inbox item.
    expect(inbox.locator("#live-toasts")).to_contain_text("Nadia NQT asked on Ask a tutor")
    expect(inbox.locator("#notification-count")).to_contain_text("1")
    item = inbox.locator('[data-inbox-items] li[data-kind="question"]')
    expect(item).to_contain_text("Am I doing marking wrong?", timeout=5000)
    expect(inbox.locator("[data-inbox-count]")).to_have_text("1")
    assert inbox.evaluate("performance.getEntriesByType('navigation').length") == 1
    # The list region came from inbox:items, not a refetch of the whole page.
    fetched = inbox.evaluate(
        "performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"
    )
    assert f"/cohorts/{cohort.pk}/inbox/items/" in fetched
    assert f"/cohorts/{cohort.pk}/inbox/" not in fetched

    # The tutor answers in the thread, in another tab; the inbox empties itself.
    answer = browser_as(tutor)
    answer.goto(item.get_by_role("link").get_attribute("href"))
    answer.get_by_label("Your reply").fill("Let's look at it together: mark one class in depth.")
    answer.get_by_role("button", name="Post", exact=True).click()
    expect(answer.locator(".posts")).to_contain_text("mark one class in depth")
    expect(inbox.locator("[data-inbox-items]")).to_contain_text(
        "Nothing waits for a tutor.", timeout=5000
    )
    expect(inbox.locator("[data-inbox-count]")).to_have_text("0")
