"""The dashboard after live updates reads exactly like a fresh page (issue 13): the status cards
and the chart agree, dates have the server's format, and names sort naturally."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.boards import posts
from mentoring.models import Board
from mentoring.participation.services import record_thread_read
from tests.conftest import run_in_thread
from tests.factories import UserFactory, make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _chart_values(page) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll(
             "svg.chart-breakdown g[data-status]")].map(g => [
               g.dataset.status,
               g.querySelector(".chart-value").textContent + " w=" +
                 g.querySelector("rect").getAttribute("width")]))"""
    )


def test_live_rows_cards_and_chart_match_a_fresh_page(browser_as, live_url, live_layer):
    tutor = UserFactory(username="tutor_p", display_name="Tessa Tutor")
    people = [UserFactory(username=f"p{i}", display_name=f"Member {i}") for i in (1, 2, 10, 11)]
    cohort = make_cohort(name="Live cohort", tutors=[tutor], members=people)
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = run_in_thread(
        posts.create_thread, board=board, author=tutor, title="Hello", body="Say hi"
    )

    page = browser_as(tutor)
    page.goto(f"/cohorts/{cohort.pk}/dashboard/")
    names = page.locator("tbody tr[data-user-id] [data-field=name]")
    # Natural order by display name, not Member 1, Member 10, Member 11, Member 2.
    expect(names).to_have_text(["Member 1 p1", "Member 2 p2", "Member 10 p10", "Member 11 p11"])
    page.wait_for_selector("[data-dashboard][data-live=connected]")

    run_in_thread(record_thread_read, user=people[2], thread=thread)
    run_in_thread(posts.create_post, thread=thread, author=people[3], body="Hi all")
    row = page.locator('tr[data-username="p11"]')
    expect(row.locator("[data-field=status]")).to_have_text("Contributor", timeout=5000)
    expect(page.locator('tr[data-username="p10"] [data-field=status]')).to_have_text("Reader")
    expect(page.locator('[data-count="inactive"]').first).to_have_text("2")

    live_chart = _chart_values(page)
    live_cards = {
        s: page.locator(f'[data-count="{s}"]').first.text_content()
        for s in ("contributor", "reader", "resource_only", "inactive")
    }
    live_seen = row.locator("[data-field=last_seen]").text_content().strip()
    # Status sorts in the order of meaning: contributor, reader, resource only, inactive.
    page.locator("[data-sort=status]").click()
    expect(page.locator("tbody tr[data-user-id] [data-field=status]")).to_have_text(
        ["Contributor", "Reader", "Inactive", "Inactive"]
    )

    page.reload()
    assert _chart_values(page) == live_chart
    assert {
        s: page.locator(f'[data-count="{s}"]').first.text_content() for s in live_cards
    } == live_cards
    assert live_chart["contributor"].startswith("1 (25%)")
    fresh_seen = page.locator('tr[data-username="p11"] [data-field=last_seen]').text_content()
    assert live_seen == fresh_seen.strip() and live_seen != "—"
