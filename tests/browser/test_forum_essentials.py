"""The forum essentials in Chromium, on a desktop and a phone, with axe finding nothing on the
pages they touch and nothing wider than a phone's screen: a tutor pins and locks a thread and a
member's open thread and board pages follow live (pinned first, the reply form gone while
locked, back with what was typed on unlock); search filters narrow the results; quoting a post
pre-fills the reply; a scheduled prompt is edited in place and cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentoring.boards.services import posts, scheduling
from mentoring.models import Board, Post, Thread
from mentoring.participation.services.counters import record_thread_read
from tests.browser.axe import DESKTOP, PHONE, axe_source, axe_violations, sideways_overflow
from tests.factories import UserFactory, make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])


def _page(browser_as, user, path, size):
    page = browser_as(user)
    page.set_viewport_size(size)
    page.goto(path)
    return page


def _open_thread_live(browser_as, user, path, size):
    page = _page(browser_as, user, path, size)
    page.wait_for_function(
        "() => document.querySelector('[data-thread-id]')?.dataset.live === '1'", timeout=20_000
    )
    return page


def _small_targets(page) -> list[str]:
    """Buttons, links, fields and disclosures in the page's main part that a finger may miss:
    under 24 × 24 CSS pixels (WCAG 2.5.8), links inside a line of text excepted."""
    return page.evaluate(
        """() => {
          const out = [];
          const main = document.querySelector("main") || document.body;
          const targets = "a[href], button, summary, input, select, textarea";
          for (const el of main.querySelectorAll(targets)) {
            const box = el.getBoundingClientRect();
            if (!box.width || !box.height || el.closest("[hidden]")) continue;
            if (el.matches("input[type=hidden]")) continue;
            const inline = el.localName === "a" && getComputedStyle(el).display === "inline"
              && el.parentElement.textContent.trim() !== el.textContent.trim();
            if (inline) continue;
            if (box.width < 24 || box.height < 24) {
              const name = `${el.localName}${el.className ? "." + el.className : ""}`;
              const text = el.textContent.trim().slice(0, 30);
              out.push(`${name} "${text}" ${Math.round(box.width)}x${Math.round(box.height)}`);
            }
          }
          return out;
        }"""
    )


def _fits(page) -> None:
    assert sideways_overflow(page) == 0, page.url
    assert _small_targets(page) == [], page.url


def _people(prefix: str, *others):
    tutor = UserFactory(username=f"{prefix}_tutor", display_name="Tess Tutor")
    nadia = UserFactory(username=f"{prefix}_nadia", display_name="Nadia NQT")
    noel = UserFactory(username=f"{prefix}_noel", display_name="Noel NQT")
    cohort = make_cohort(name="Essentials", tutors=[tutor], members=[nadia, noel, *others])
    return cohort, tutor, nadia, noel


# --- Pinned and locked, live ------------------------------------------------------------------
@SIZES
def test_pin_and_lock_reach_a_members_open_pages_live(browser_as, live_layer, size):
    cohort, tutor, nadia, noel = _people("pl")
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    older = posts.create_thread(board=board, author=nadia, title="Older thread", body="First.")
    posts.create_thread(board=board, author=nadia, title="Newer thread", body="Second.")
    Thread.objects.filter(pk=older.pk).update(last_activity_at=timezone.now() - timedelta(hours=2))
    source = axe_source()

    thread_page = _open_thread_live(browser_as, noel, f"/threads/{older.pk}/", size)
    board_page = _page(browser_as, noel, f"/boards/{board.pk}/", size)
    board_page.wait_for_selector("[data-board-live][data-live=connected]", timeout=20_000)
    listed = board_page.locator(".thread-list > li a:not(.badge)").first
    expect(listed).to_have_text("Newer thread")
    # Noel is half-way through a reply.
    thread_page.get_by_label("Your reply").fill("I was about to say")

    tutors = _page(browser_as, tutor, f"/threads/{older.pk}/", size)
    tutors.get_by_role("button", name="Pin to the top").click()
    expect(tutors.get_by_role("button", name="Unpin")).to_be_visible()

    heading = thread_page.get_by_role("heading", level=1)
    expect(heading.locator(".badge.pinned")).to_have_text("Pinned")
    expect(thread_page.locator("#thread-status")).to_contain_text("pinned")
    # Pinned first on the open board, without a reload.
    expect(listed).to_have_text("Older thread")
    expect(board_page.locator(".thread-list > li").first.locator(".badge.pinned")).to_be_visible()
    assert board_page.evaluate("performance.getEntriesByType('navigation').length") == 1

    tutors.get_by_role("button", name="Lock").click()
    expect(tutors.get_by_role("button", name="Unlock")).to_be_visible()
    expect(heading.locator(".badge.locked")).to_have_text("Locked")
    expect(thread_page.get_by_text("This thread is locked")).to_be_visible()
    expect(thread_page.get_by_label("Your reply")).to_be_hidden()
    expect(thread_page.get_by_role("button", name="Post")).to_be_hidden()
    expect(board_page.locator(".thread-list > li").first.locator(".badge.locked")).to_be_visible()
    assert thread_page.evaluate("performance.getEntriesByType('navigation').length") == 1
    # A fresh page of the locked thread has no reply form at all.
    fresh = _page(browser_as, noel, f"/threads/{older.pk}/", size)
    expect(fresh.get_by_text("This thread is locked")).to_be_visible()
    assert fresh.locator("#reply").count() == 0
    for page in (thread_page, board_page, tutors, fresh):
        assert axe_violations(page, source) == [], page.url
        if size is PHONE:
            _fits(page)

    tutors.get_by_role("button", name="Unlock").click()
    expect(thread_page.get_by_label("Your reply")).to_have_value("I was about to say")
    expect(thread_page.get_by_text("This thread is locked")).to_be_hidden()
    thread_page.get_by_role("button", name="Post").click()
    expect(thread_page.get_by_text("I was about to say")).to_be_visible()
    assert Post.objects.filter(thread=older, author=noel).count() == 1


# --- Search filters ---------------------------------------------------------------------------
@SIZES
def test_search_filters_narrow_the_results(browser_as, size):
    reader = UserFactory(username="sf_reader", display_name="Rita Reader")
    cohort, tutor, nadia, noel = _people("sf", reader)
    general = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    lab = Board.objects.create(cohort=cohort, kind=Board.Kind.SCENARIO, title="Lesson lab")
    by_nadia = posts.create_thread(
        board=general, author=nadia, title="Nadia on seating", body="seating plans work"
    )
    by_noel = posts.create_thread(
        board=general, author=noel, title="Noel on seating", body="seating plans fail"
    )
    posts.create_thread(
        board=lab, author=nadia, title="Seating in the lab", body="seating in the lab"
    )
    old = timezone.now() - timedelta(days=40)
    Post.objects.filter(thread=by_noel).update(created_at=old)
    record_thread_read(user=reader, thread=by_nadia)

    page = _page(browser_as, reader, f"/cohorts/{cohort.pk}/search/", size)
    results = page.locator(".search-results > li h2")
    page.get_by_label("Search the discussions").fill("seating")
    page.get_by_role("button", name="Search").click()
    expect(results).to_have_count(3)

    page.get_by_label("Written by").fill("Nadia")
    page.get_by_role("button", name="Search").click()
    expect(results).to_have_count(2)
    page.get_by_label("Board").select_option(label="Lesson lab")
    page.get_by_role("button", name="Search").click()
    expect(results).to_have_text(["Seating in the lab"])

    page.get_by_label("Written by").fill("")
    page.get_by_label("Board").select_option(label="Any board")
    page.get_by_label("From").fill((timezone.localdate() - timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Search").click()
    expect(results).to_have_count(2)
    expect(page.get_by_role("link", name="Noel on seating")).to_have_count(0)

    page.get_by_label("From").fill("")
    page.get_by_label("Only unread").check()
    page.get_by_role("button", name="Search").click()
    expect(results).to_have_count(2)
    expect(page.get_by_role("link", name="Nadia on seating")).to_have_count(0)
    # The filters stay in the form for the next search.
    expect(page.get_by_label("Only unread")).to_be_checked()
    assert axe_violations(page, axe_source()) == []
    if size is PHONE:
        _fits(page)


# --- Quote a post -------------------------------------------------------------------------------
@SIZES
def test_quote_a_post_into_a_reply(browser_as, size):
    cohort, tutor, nadia, noel = _people("qp")
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = posts.create_thread(
        board=board, author=nadia, title="Behaviour", body="Seating plans help."
    )
    page = _page(browser_as, noel, f"/threads/{thread.pk}/", size)
    page.locator(f"#post-{thread.first_post_id}").get_by_role("link", name="Quote").click()
    box = page.get_by_label("Your reply")
    expect(box).to_have_value(
        f"[Nadia NQT wrote](/threads/{thread.pk}/?post={thread.first_post_id}):\n"
        "> Seating plans help.\n\n"
    )
    assert axe_violations(page, axe_source()) == []
    if size is PHONE:
        _fits(page)
    box.press("Control+End")  # the end of the text, not of a wrapped line
    box.press_sequentially("Agreed, and early.")
    page.get_by_role("button", name="Post").click()
    reply = page.locator("li.post-item").filter(has_text="Agreed, and early.").last
    quote = reply.locator("blockquote")
    expect(quote).to_have_text("Seating plans help.")
    back = reply.get_by_role("link", name="Nadia NQT wrote")
    expect(back).to_have_attribute("href", f"/threads/{thread.pk}/?post={thread.first_post_id}")
    back.click()
    expect(page.locator(f"#post-{thread.first_post_id}")).to_be_visible()


# --- Scheduled prompts: edit in place, cancel -----------------------------------------------------
@SIZES
def test_a_scheduled_prompt_is_edited_in_place_and_cancelled(browser_as, size):
    cohort, tutor, nadia, _ = _people("sp")
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = scheduling.schedule_thread(
        board=board,
        author=tutor,
        title="Week 1",
        body="What went well?",
        publish_at=timezone.now() + timedelta(days=2),
    )
    page = _page(browser_as, tutor, f"/cohorts/{cohort.pk}/scheduled/", size)
    item = page.locator(f"li[data-thread-id='{thread.pk}']")
    item.locator("summary", has_text="Edit").click()
    expect(item.get_by_label("Text")).to_have_value("What went well?")
    source = axe_source()
    assert axe_violations(page, source) == []
    if size is PHONE:
        _fits(page)
    when = (timezone.localtime() + timedelta(days=5)).replace(hour=9, minute=30)
    item.get_by_label("Title").fill("Week 1: what stuck")
    item.get_by_label("Text").fill("Which *lesson* stuck with you?")
    item.get_by_label("Publish at").fill(when.strftime("%Y-%m-%dT%H:%M"))
    item.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved “Week 1: what stuck”.")).to_be_visible()
    expect(item.get_by_role("link", name="Week 1: what stuck", exact=True)).to_be_visible()
    stored = Thread.objects.get(pk=thread.pk)
    assert stored.publish_at == when.replace(second=0, microsecond=0)
    assert "<em>lesson</em>" in Post.objects.get(pk=stored.first_post_id).body_html

    # A text left empty is refused where the tutor looks, and nothing changes.
    item.locator("summary", has_text="Edit").click()
    item.get_by_label("Text").fill("")
    item.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Write something")).to_be_visible()
    assert Post.objects.get(pk=stored.first_post_id).body == "Which *lesson* stuck with you?"

    item.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel")
    assert axe_violations(page, source) == []
    if size is PHONE:
        _fits(page)
    page.get_by_role("button", name="Cancel the prompt").click()
    expect(page.get_by_text("Nothing is scheduled.")).to_be_visible()
    assert not Thread.objects.filter(pk=thread.pk).exists()
