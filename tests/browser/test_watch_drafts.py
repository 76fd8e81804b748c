"""Watching and drafts in Chromium, on a desktop and a phone: the Notifications control on a
thread and on a board sets the level in the background and says what it means (a watcher is
then told of a new post); a reply being typed is saved, survives a closed tab and comes back in
the box; a failed reply opens at its error with the keyboard there and keeps the words as a
draft. axe finds nothing on the pages touched."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.boards.services import posts
from mentoring.models import Board, Draft, Notification, Subscription
from tests.browser.axe import DESKTOP, PHONE, axe_source, axe_violations
from tests.conftest import run_in_thread
from tests.factories import UserFactory, make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
LONG_BODY = "\n\n".join(["A paragraph about a lesson that went well and one that did not."] * 6)


def _world():
    author = UserFactory(username="wd_author", display_name="Alex Author")
    reader = UserFactory(username="wd_reader", display_name="Robin Reader")
    tutor = UserFactory(username="wd_tutor", display_name="Tess Tutor")
    cohort = make_cohort(name="Watch cohort", tutors=[tutor], members=[author, reader])
    board = Board.objects.get(cohort=cohort, kind="general")
    return author, reader, board


def _open(browser_as, user, path, size):
    page = browser_as(user)
    page.set_viewport_size(size)
    page.goto(path)
    return page


@SIZES
def test_watch_a_thread_and_mute_a_board(browser_as, size):
    author, reader, board = _world()
    thread = run_in_thread(
        posts.create_thread, board=board, author=author, title="Fridays", body="What works?"
    )
    page = _open(browser_as, reader, f"/threads/{thread.pk}/", size)
    control = page.locator("#following")
    expect(control.get_by_label("Notifications")).to_have_value("tracking")
    control.get_by_label("Notifications").select_option("watching")
    control.get_by_role("button", name="Save").click()
    expect(page.locator("#following-said")).to_contain_text("You are watching this thread")
    assert page.url.endswith(f"/threads/{thread.pk}/")  # no reload: swapped in place
    assert Subscription.objects.get(user=reader, thread=thread).level == "watching"
    source = axe_source()
    assert axe_violations(page, source) == []

    run_in_thread(posts.create_post, thread=thread, author=author, body="One more idea")
    (notice,) = Notification.objects.filter(user=reader, kind=Notification.Kind.WATCHED)
    assert notice.title == "Alex Author posted in “Fridays”"

    page.goto(f"/boards/{board.pk}/")
    control = page.locator("#following")
    control.get_by_label("Notifications").select_option("muted")
    control.get_by_role("button", name="Save").click()
    expect(page.locator("#following-said")).to_contain_text("You have muted this board")
    assert Subscription.objects.get(user=reader, board=board).level == "muted"
    assert axe_violations(page, source) == []


@SIZES
def test_a_reply_survives_a_closed_tab_and_goes_when_posted(browser_as, size):
    author, reader, board = _world()
    thread = run_in_thread(
        posts.create_thread, board=board, author=author, title="Marking", body="How long?"
    )
    path = f"/threads/{thread.pk}/"
    page = _open(browser_as, reader, path, size)
    box = page.get_by_label("Your reply")
    box.click()
    box.press_sequentially("About an hour a night, but")
    expect(page.locator("#draft-status")).to_contain_text("Draft saved")
    assert Draft.objects.get(user=reader, thread=thread).body == "About an hour a night, but"
    context = page.context
    page.close()  # the tab is closed

    page = context.new_page()
    page.set_viewport_size(size)
    page.goto(path)
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_value("About an hour a night, but")
    assert axe_violations(page, axe_source()) == []
    box = page.get_by_label("Your reply")
    box.press("Control+End")
    box.press_sequentially(" it varies.")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("About an hour a night, but it varies.")).to_be_visible()
    assert not Draft.objects.filter(user=reader).exists()
    # The new-thread form on the board keeps its draft too.
    page.goto(f"/boards/{board.pk}/")
    page.get_by_label("Title").fill("Planning")
    page.get_by_label("Your first post").press_sequentially("Half a plan")
    expect(page.locator("#draft-status")).to_contain_text("Draft saved")
    page.reload()
    expect(page.get_by_label("Title")).to_have_value("Planning")
    expect(page.get_by_label("Your first post")).to_have_value("Half a plan")
    assert axe_violations(page, axe_source()) == []


@SIZES
def test_a_failed_reply_opens_at_its_error_and_keeps_the_words(browser_as, size):
    author, reader, board = _world()

    def build():
        thread = posts.create_thread(board=board, author=author, title="Long", body=LONG_BODY)
        for _ in range(10):
            posts.create_post(thread=thread, author=author, body=LONG_BODY)
        last = posts.create_post(thread=thread, author=author, body="Reply to me")
        return thread, last

    thread, last = run_in_thread(build)
    page = _open(browser_as, reader, f"/threads/{thread.pk}/?reply_to={last.pk}", size)
    page.get_by_label("Your reply").fill("An answer to a post about to go")
    run_in_thread(posts.retract_post, post=last, by=author)  # gone before the reply is sent
    page.get_by_role("button", name="Post").click()
    page.wait_for_load_state()
    errors = page.locator("#form-errors")
    expect(errors).to_contain_text("You can only reply to a post in this thread.")
    expect(errors).to_be_in_viewport()
    assert page.evaluate("document.activeElement.id") == "form-errors"
    assert page.evaluate("window.scrollY") > 1000  # far down a long thread
    expect(page.get_by_label("Your reply")).to_have_value("An answer to a post about to go")
    assert Draft.objects.get(user=reader).body == "An answer to a post about to go"
    assert axe_violations(page, axe_source()) == []
