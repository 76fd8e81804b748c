"""Live threads in Chromium with two users: posts appear without a reload, the author sees the
grace period count down, and when it is over the buttons go and the server refuses."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mentoring.boards.services import posts
from mentoring.models import Board, Post
from tests.conftest import run_in_thread
from tests.factories import UserFactory, make_cohort
from tests.mentoring.test_boards_rendering import XSS_PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nqts(db):
    return (
        UserFactory(username="nqt1", display_name="Nadia NQT"),
        UserFactory(username="nqt2", display_name="Noel NQT"),
    )


def _cohort_and_thread(nqts, **settings):
    tutor = UserFactory(username="tutor_browser", display_name="Tess Tutor")
    cohort = make_cohort(name="Browser cohort", tutors=[tutor], members=list(nqts), **settings)
    board = Board.objects.get(cohort=cohort, kind="general")
    thread = run_in_thread(
        posts.create_thread,
        board=board,
        author=nqts[1],
        title="Behaviour on Fridays",
        body="What works for you?",
    )
    return cohort, thread


def _open_live(browser_as, user, path):
    page = browser_as(user)
    page.goto(path)
    page.wait_for_function(
        "() => document.querySelector('[data-thread-id]')?.dataset.live === '1'", timeout=20_000
    )
    return page


def test_a_post_appears_for_others_without_reload_and_the_author_can_edit(
    browser_as, nqts, live_layer
):
    _, thread = _cohort_and_thread(nqts)
    path = f"/threads/{thread.pk}/"
    reader = _open_live(browser_as, nqts[1], path)
    reader.evaluate("window.__sameDocument = 'yes'")
    author = _open_live(browser_as, nqts[0], path)

    author.get_by_label("Your reply").fill("A **seating plan** helped me #seating")
    author.get_by_role("button", name="Post").click()

    # The reader's page grows the post in place, with the author's name and rendered Markdown.
    new_post = reader.locator(".post-item", has_text="seating plan")
    expect(new_post.locator("strong", has_text="seating plan")).to_be_visible()
    expect(new_post.locator(".post-author")).to_have_text("Nadia NQT")
    expect(new_post.locator("a.hashtag")).to_have_attribute("href", re.compile(r"/tags/seating/$"))
    expect(new_post.locator(".edit-post")).to_have_count(0)  # not the reader's to edit
    assert reader.evaluate("window.__sameDocument") == "yes"

    # The author sees how long is left, counting down.
    own = author.locator(".post-item", has_text="seating plan")
    countdown = own.locator(".countdown")
    expect(countdown).to_have_text(re.compile(r"^(29|30):\d\d left to edit or retract$"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first)  # it ticks (waits up to expect's timeout)

    own.get_by_role("link", name="Edit").click()
    expect(author.locator(".countdown")).to_contain_text("left to edit or retract")
    author.get_by_label("Your post").fill("A *seating plan* and a calm start helped me")
    author.get_by_role("button", name="Save changes").click()
    expect(author.locator(".message-success")).to_contain_text("updated")

    # …and the reader sees the edit in place, still without a reload.
    expect(reader.locator(".post-item", has_text="calm start").locator("em")).to_have_text(
        "seating plan"
    )
    expect(reader.locator(".post-item .edited")).to_have_count(1)
    assert reader.evaluate("window.__sameDocument") == "yes"

    # Retracting removes it from the reader's page too.
    author.locator(".post-item", has_text="calm start").get_by_role("link", name="Retract").click()
    author.get_by_role("button", name="Retract for good").click()
    expect(reader.locator(".post-item", has_text="calm start")).to_have_count(0)
    assert reader.evaluate("window.__sameDocument") == "yes"


def test_with_a_short_grace_period_the_buttons_go_and_the_server_refuses(
    browser_as, nqts, live_layer
):
    _, thread = _cohort_and_thread(nqts, edit_grace_seconds=5)
    path = f"/threads/{thread.pk}/"
    author = _open_live(browser_as, nqts[0], path)
    author.get_by_label("Your reply").fill("Quick thought")
    author.get_by_role("button", name="Post").click()
    own = author.locator(".post-item", has_text="Quick thought")
    expect(own.get_by_role("link", name="Edit")).to_be_visible()

    # Open the edit form while there is still time…
    editor = browser_as(nqts[0])
    editor.goto(own.get_by_role("link", name="Edit").get_attribute("href"))
    editor.get_by_label("Your post").fill("Second thoughts, too late")

    # …then the time runs out: the buttons go on both pages.
    expect(own.get_by_role("link", name="Edit")).to_have_count(0, timeout=10_000)
    expect(own.get_by_role("link", name="Retract")).to_have_count(0)
    expect(own.locator(".countdown")).to_have_text(
        "The time to edit or retract this post has passed."
    )
    expect(editor.get_by_role("button", name="Save changes")).to_have_count(0)

    # Submitting the stale form anyway: the server refuses, clearly, and changes nothing.
    editor.evaluate("document.querySelector('form[method=post]:not(.inline-form)').submit()")
    expect(editor.locator(".message-error")).to_contain_text(
        "The time to edit or retract this post is over"
    )
    assert Post.objects.get(thread=thread, body__startswith="Quick").body == "Quick thought"
    author.reload()
    expect(
        author.locator(".post-item", has_text="Quick thought").locator(".edit-post")
    ).to_have_count(0)


def test_no_injection_payload_executes_in_the_page(browser_as, nqts):
    _, thread = _cohort_and_thread(nqts)
    for payload in XSS_PAYLOADS:
        run_in_thread(posts.create_post, thread=thread, author=nqts[1], body=payload)
    page = browser_as(nqts[0])
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    shown = 0
    for number in (1, 2):  # more posts than one page holds
        page.goto(f"/threads/{thread.pk}/?page={number}")
        expect(page.locator(".post-item").first).to_be_visible()
        shown += page.locator(".post-item").count()
        page.locator(".post-body a, .post-body").first.hover()
        # Hover handlers run before the next evaluate round trip returns: no need to wait.
        assert page.evaluate("window.__xss") is None
        assert dialogs == []
        assert page.locator(".post-body script, .post-body iframe, .post-body img").count() == 0
    assert shown == len(XSS_PAYLOADS) + 1


def test_live_posts_append_on_the_last_page_and_earlier_pages_link_to_them(
    browser_as, nqts, live_layer
):
    from mentoring.boards.selectors import POSTS_PER_PAGE

    _, thread = _cohort_and_thread(nqts)
    for i in range(POSTS_PER_PAGE):  # two pages: 31 posts
        run_in_thread(posts.create_post, thread=thread, author=nqts[1], body=f"Earlier {i}")
    first_page = _open_live(browser_as, nqts[0], f"/threads/{thread.pk}/?page=1")
    last_page = _open_live(browser_as, nqts[0], f"/threads/{thread.pk}/?page=2")
    expect(first_page.get_by_text("page 1 of 2")).to_be_visible()
    expect(first_page.locator("#newer-posts")).to_be_hidden()

    run_in_thread(posts.create_post, thread=thread, author=nqts[1], body="Fresh from the staffroom")

    # The last page grows the post in place; the first page only says there is more.
    expect(last_page.locator(".post-item", has_text="Fresh from the staffroom")).to_be_visible()
    expect(first_page.locator("#newer-posts")).to_be_visible()
    expect(first_page.locator(".post-item", has_text="Fresh from the staffroom")).to_have_count(0)
    first_page.get_by_role("link", name="New posts on the last page").click()
    expect(first_page.locator(".post-item", has_text="Fresh from the staffroom")).to_be_visible()
