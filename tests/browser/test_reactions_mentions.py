"""Reacting and mentioning in Chromium, on a desktop and a phone: one click reacts (and again
takes it back), the author's open page shows the count live, the reply box suggests people by
name from "@" and inserts the mention with the keyboard; axe finds nothing on the thread page
with reactions shown and the suggestions open."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.boards.services import posts
from mentoring.models import Board, Notification
from tests.browser.axe import DESKTOP, PHONE, axe_source, axe_violations
from tests.conftest import run_in_thread
from tests.factories import UserFactory, make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_live(browser_as, user, path, size):
    page = browser_as(user)
    page.set_viewport_size(size)
    page.goto(path)
    page.wait_for_function(
        "() => document.querySelector('[data-thread-id]')?.dataset.live === '1'", timeout=20_000
    )
    return page


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_react_and_mention_with_the_autocomplete(browser_as, live_layer, size):
    author = UserFactory(username="nqt1", display_name="Nadia NQT")
    reader = UserFactory(username="nqt2", display_name="Noel NQT")
    named = UserFactory(username="nqt3", display_name="Nina Newton")
    tutor = UserFactory(username="tutor_rm", display_name="Tess Tutor")
    cohort = make_cohort(name="Browser cohort", tutors=[tutor], members=[author, reader, named])
    board = Board.objects.get(cohort=cohort, kind="general")
    thread = run_in_thread(
        posts.create_thread, board=board, author=author, title="Fridays", body="What works?"
    )
    path = f"/threads/{thread.pk}/"
    authors_page = _open_live(browser_as, author, path, size)
    page = _open_live(browser_as, reader, path, size)

    post = page.locator(f"#post-{thread.first_post_id}")
    helpful = post.get_by_role("button", name="Helpful")
    expect(helpful).to_have_attribute("aria-pressed", "false")
    helpful.click()
    expect(post.get_by_role("button", name="Helpful")).to_have_attribute("aria-pressed", "true")
    expect(post.locator("[data-key=reaction-helpful] .reaction-count")).to_have_text("1")
    # The author's open page shows it without a reload (counts, not buttons: their own post).
    expect(authors_page.locator(f"#post-{thread.first_post_id} .reaction-static")).to_have_text(
        "Helpful 1"
    )
    # Clicked again: taken back, everywhere.
    post.get_by_role("button", name="Helpful").click()
    expect(post.get_by_role("button", name="Helpful")).to_have_attribute("aria-pressed", "false")
    expect(authors_page.locator(f"#post-{thread.first_post_id} .reaction-static")).to_have_count(0)
    post.get_by_role("button", name="Me too").click()
    expect(post.get_by_role("button", name="Me too")).to_have_attribute("aria-pressed", "true")

    box = page.get_by_label("Your reply")
    box.click()
    box.press_sequentially("Ask @Ni")
    listbox = page.get_by_role("listbox", name="People to mention")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option").first).to_contain_text("Nina Newton")
    expect(box).to_have_attribute("aria-activedescendant", f"mention-option-{named.pk}")
    expect(box).to_be_focused()

    source = axe_source()
    assert axe_violations(page, source) == []

    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Ask @nqt3 ")
    box.press_sequentially("about it")
    page.get_by_role("button", name="Post").click()
    mention = page.locator("mark.mention", has_text="@Nina Newton")
    expect(mention).to_be_visible()
    assert Notification.objects.filter(user=named, kind=Notification.Kind.MENTION).count() == 1
    assert axe_violations(page, source) == []
