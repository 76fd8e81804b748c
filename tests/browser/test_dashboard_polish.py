"""The dashboard after live updates reads exactly like a fresh page (issue 13): the status cards
and the chart agree (both fetched from the server, never redrawn in the page), dates have the
server's format, and names sort naturally (on the server)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.boards.services import posts
from mentoring.models import Board
from mentoring.participation.services.counters import record_thread_read
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

    # The cards and the chart come from the server (dashboard:summary), not worked out here.
    expect(
        page.locator("svg.chart-breakdown g[data-status=contributor] .chart-value")
    ).to_have_text("1 (25%)")
    assert page.evaluate(
        "performance.getEntriesByType('resource').some(e => e.name.includes('/dashboard/summary/'))"
    )
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    live_chart = _chart_values(page)
    live_cards = {
        s: page.locator(f'[data-count="{s}"]').first.text_content()
        for s in ("contributor", "reader", "resource_only", "inactive")
    }
    live_seen = row.locator("[data-field=last_seen]").text_content().strip()
    # Status sorts in the order of meaning: contributor, reader, resource only, inactive. The
    # server sorts (the header is a link); the page never reorders rows itself.
    page.get_by_role("link", name="Status", exact=True).click()
    expect(page.locator("tbody tr[data-user-id] [data-field=status]")).to_have_text(
        ["Contributor", "Reader", "Inactive", "Inactive"]
    )
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Status")

    page.reload()
    assert _chart_values(page) == live_chart
    assert {
        s: page.locator(f'[data-count="{s}"]').first.text_content() for s in live_cards
    } == live_cards
    assert live_chart["contributor"].startswith("1 (25%)")
    fresh_seen = page.locator('tr[data-username="p11"] [data-field=last_seen]').text_content()
    assert live_seen == fresh_seen.strip() and live_seen != "—"


def test_alert_reasons_are_shown_and_stay_through_live_updates(browser_as, live_url, live_layer):
    """The reason of an alert is text a touch or screen-reader user reaches (a disclosure under
    the label), and a live row is the server's: the reason is still there after an update."""
    from datetime import timedelta

    from django.utils import timezone

    from mentoring.models import Membership
    from mentoring.participation.services.nudges import nudge_members

    tutor = UserFactory(username="tutor_r", display_name="Tessa Tutor")
    quiet, fresh = UserFactory(username="q1"), UserFactory(username="n1")
    cohort = make_cohort(name="Reasons", tutors=[tutor], members=[quiet, fresh])
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = run_in_thread(
        posts.create_thread, board=board, author=tutor, title="Hello", body="Say hi"
    )
    now = timezone.now()
    Membership.objects.filter(user=quiet).update(
        last_seen_at=now - timedelta(days=30), threads_read=1
    )
    Membership.objects.filter(user=fresh).update(joined_at=now - timedelta(days=30))

    page = browser_as(tutor)
    page.goto(f"/cohorts/{cohort.pk}/dashboard/")
    page.wait_for_selector("[data-dashboard][data-live=connected]")
    row = page.locator('tr[data-username="q1"]')
    why = "Active before, then nothing for 30 days"
    disclosure = row.get_by_role("group")
    summary = row.locator("details.alert-reason summary")
    expect(summary).to_contain_text("Went quiet")
    expect(row.get_by_text(why)).to_be_hidden()
    # A tap (or Enter) opens it; the reason is the row's text, not a tooltip.
    summary.focus()
    page.keyboard.press("Enter")
    expect(row.get_by_text(why)).to_be_visible()
    expect(disclosure).to_contain_text(why)
    assert row.locator("[title]").count() == 0

    # Ticked for a nudge, then focus back on the reason: both survive the row's swap.
    row.locator("input[name=user_ids]").check()
    summary.focus()
    # Nudged from elsewhere: the row updates live, and the reason is still there, still open.
    run_in_thread(
        nudge_members,
        cohort=cohort,
        tutor=tutor,
        user_ids=[quiet.pk],
        message="Hello {name}",
        thread=None,
        override_cooldown=False,
    )
    expect(row.locator("[data-field=nudged_at]")).not_to_have_text("—", timeout=5000)
    expect(row.get_by_text(why)).to_be_visible()
    expect(summary).to_be_focused()  # the row was swapped in; the keyboard user stays put
    expect(row.locator("input[name=user_ids]")).to_be_checked()
    expect(row.locator("[data-field=posted_after_nudge]")).to_have_text("Not yet")

    # "Never started" goes away live when they read, and the count follows.
    expect(page.locator('[data-alert-count="never_started"]')).to_have_text("1")
    run_in_thread(record_thread_read, user=fresh, thread=thread)
    fresh_row = page.locator('tr[data-username="n1"]')
    expect(fresh_row.locator("[data-field=threads_read]")).to_have_text("1", timeout=5000)
    expect(fresh_row.locator("[data-field=alerts]")).to_have_text("")
    expect(page.locator('[data-alert-count="never_started"]')).to_have_text("0")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
