"""The tutor's dashboard in a real browser: a member reads, their row turns to "reader" without
a reload, the tutor nudges them, and the nudge arrives in the member's browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.boards.services import posts
from mentoring.models import Board
from tests.conftest import run_in_thread
from tests.factories import UserFactory, make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_appears_live_and_receives_the_nudge(browser_as, live_url):
    tutor = UserFactory(username="tutor_b", display_name="Tessa Tutor")
    nqts = [UserFactory(username=f"nqt{i}", display_name=f"NQT {i}") for i in range(1, 7)]
    cohort = make_cohort(name="Spring NQTs", tutors=[tutor], members=nqts)
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = run_in_thread(
        posts.create_thread,
        board=board,
        author=tutor,
        title="Your first parents' evening",
        body="How did it go?",
    )

    dashboard = browser_as(tutor)
    dashboard.goto(f"/cohorts/{cohort.pk}/dashboard/")
    expect(dashboard.get_by_role("heading", name="Participation in Spring NQTs")).to_be_visible()
    dashboard.wait_for_selector("[data-dashboard][data-live=connected]")
    row = dashboard.locator('tr[data-username="nqt5"]')
    expect(row.locator('[data-field="status"]')).to_have_text("Inactive")
    expect(dashboard.locator('[data-count="reader"]').first).to_have_text("0")
    expect(dashboard.locator('[data-count="inactive"]').first).to_have_text("6")
    # Filtering happens in the page (sorting is the server's: the headers are links).
    csv_link = dashboard.get_by_role("link", name="Download CSV")
    dashboard.get_by_label("Show", exact=True).select_option("reader")
    expect(row).to_be_hidden()
    # Selection helpers tick only the rows the filter shows: nobody is nudged unseen.
    dashboard.get_by_role("button", name="all inactive members").click()
    assert dashboard.locator("tbody input[name=user_ids]:checked").count() == 0
    # The CSV export follows the filter.
    expect(csv_link).to_have_attribute(
        "href", f"/cohorts/{cohort.pk}/dashboard/participation.csv?status=reader"
    )
    dashboard.get_by_label("Show", exact=True).select_option("")
    expect(row).to_be_visible()
    expect(csv_link).to_have_attribute("href", f"/cohorts/{cohort.pk}/dashboard/participation.csv")

    member = browser_as(nqts[4])
    member.goto(f"/threads/{thread.pk}/")
    expect(member.get_by_role("heading", name="Your first parents' evening")).to_be_visible()

    # No reload on the tutor's side: the row and the counts change in place.
    expect(row.locator('[data-field="status"]')).to_have_text("Reader", timeout=5000)
    expect(row.locator('[data-field="threads_read"]')).to_have_text("1")
    expect(dashboard.locator('[data-count="reader"]').first).to_have_text("1")
    expect(dashboard.locator('[data-count="inactive"]').first).to_have_text("5")
    assert dashboard.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert dashboard.evaluate("performance.getEntriesByType('navigation')[0].type") != "reload"

    member.wait_for_function(
        "() => document.documentElement.dataset.live?.includes('/ws/notifications/')"
    )
    dashboard.get_by_label("Message", exact=True).fill(
        "Hello {name}, would you share how {cohort} is going?"
    )
    row.get_by_role("button", name="Nudge NQT 5").click()
    expect(dashboard.locator(".message-success")).to_contain_text("Nudged 1 member.")
    expect(dashboard.locator('tr[data-username="nqt5"] [data-field="nudged_at"]')).not_to_have_text(
        "—"
    )
    expect(dashboard.locator("#nudges")).to_contain_text("NQT 5")

    # The member sees it arrive without reloading.
    expect(member.locator("#live-toasts")).to_contain_text("A message from Tessa Tutor")
    expect(member.locator("#notification-count")).to_contain_text("1")
    member.goto("/notifications/")
    expect(member.locator("#notification-list")).to_contain_text(
        "Hello NQT 5, would you share how Spring NQTs is going?"
    )
