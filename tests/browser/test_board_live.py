"""A board open in one member's browser learns of a thread another member starts, without a
reload, and shows it when asked; the list does not move by itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.models import Board
from tests.factories import UserFactory, make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_thread_is_offered_on_an_open_board(browser_as, live_url):
    reader = UserFactory(username="reader_b", display_name="Rita Reader")
    writer = UserFactory(username="writer_b", display_name="Will Writer")
    cohort = make_cohort(name="Board live", tutors=[UserFactory()], members=[reader, writer])
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)

    page = browser_as(reader)
    page.goto(f"/boards/{board.pk}/")
    page.wait_for_selector("[data-board-live][data-live=connected]")
    expect(page.get_by_text("No threads yet.")).to_be_visible()
    # The reader is half-way through a thread of their own.
    page.get_by_label("Title").fill("My draft")

    other = browser_as(writer)
    other.goto(f"/boards/{board.pk}/")
    other.get_by_label("Title").fill("Lining up after break")
    other.get_by_label("Your first post").fill("How do you get them in quietly?")
    other.get_by_role("button", name="Start thread").click()
    expect(other.get_by_role("heading", name="Lining up after break")).to_be_visible()

    news = page.get_by_role("status").filter(has_text="New threads on this board.")
    expect(news).to_be_visible()
    expect(page.get_by_text("No threads yet.")).to_be_visible()  # nothing moved by itself
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    news.get_by_role("link", name="Show them").click()
    expect(page.get_by_role("link", name="Lining up after break")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("My draft")  # the draft is kept
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    # Only the list came (board_threads), not the whole board page; the offer is gone.
    fetched = page.evaluate(
        "performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"
    )
    assert f"/boards/{board.pk}/threads/" in fetched and f"/boards/{board.pk}/" not in fetched
    expect(news).to_be_hidden()
    expect(page.get_by_role("link", name="Lining up after break")).to_be_focused()
