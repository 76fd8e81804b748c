"""Forms in Chromium as new users met them: dates survive a save, a failed submit opens where
the form is with the keyboard on the error, Preview keeps the keyboard, and the Wagtail userbar
covers no text on a phone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentoring.boards.services import posts
from mentoring.models import Board, Cohort, Post
from tests.browser.axe import PHONE
from tests.conftest import run_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_BODY = "\n\n".join(["A paragraph about a lesson that went well and one that did not."] * 6)


def _long_thread(cohort, author, replies: int = 12):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)

    def build():
        thread = posts.create_thread(board=board, author=author, title="Long", body=LONG_BODY)
        for _ in range(replies):
            posts.create_post(thread=thread, author=author, body=LONG_BODY)
        return thread

    return run_in_thread(build)


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          return {tag: el.tagName.toLowerCase(), id: el.id,
                  invalid: el.getAttribute("aria-invalid"),
                  describedby: el.getAttribute("aria-describedby") || ""};
        }"""
    )


def test_saving_an_unrelated_setting_keeps_the_cohorts_dates(browser_as, cohort, tutor):
    Cohort.objects.filter(pk=cohort.pk).update(
        starts_on=date(2027, 9, 1), ends_on=date(2028, 7, 20)
    )
    page = browser_as(tutor)
    page.goto(f"/cohorts/{cohort.pk}/settings/")
    # The browser shows the dates (a locale-formatted value shows as empty).
    expect(page.locator("#id_starts_on")).to_have_value("2027-09-01")
    expect(page.locator("#id_ends_on")).to_have_value("2028-07-20")
    page.get_by_label("Name").fill("Renamed cohort")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    cohort.refresh_from_db()
    assert cohort.name == "Renamed cohort"
    assert (cohort.starts_on, cohort.ends_on) == (date(2027, 9, 1), date(2028, 7, 20))


def test_a_failed_reply_opens_at_the_form_with_the_keyboard_on_the_error(
    browser_as, cohort, members
):
    thread = _long_thread(cohort, members[1])
    page = browser_as(members[0])
    page.goto(f"/threads/{thread.pk}/")
    page.get_by_role("button", name="Post").click()  # nothing written
    page.wait_for_load_state()
    error = page.locator("#id_body_error")
    expect(error).to_have_text("Write something before posting.")
    expect(error).to_be_in_viewport()
    focused = _focused(page)
    assert focused["id"] == "id_body" and focused["invalid"] == "true", focused
    assert "id_body_error" in focused["describedby"].split()
    assert page.evaluate("window.scrollY") > 1000  # the form is far down a long thread


def test_a_failed_new_thread_focuses_its_first_error(browser_as, cohort, members):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    page = browser_as(members[0])
    page.set_viewport_size(PHONE)
    page.goto(f"/boards/{board.pk}/")
    page.get_by_label("Your first post").fill("No title given")
    page.get_by_role("button", name="Start thread").click()
    page.wait_for_load_state()
    expect(page.locator("#id_title_error")).to_be_in_viewport()
    assert _focused(page)["id"] == "id_title"
    expect(page.get_by_label("Your first post")).to_have_value("No title given")


def test_a_refused_retract_is_said_at_the_post_with_the_keyboard_there(browser_as, cohort, members):
    thread = _long_thread(cohort, members[1])
    own = run_in_thread(posts.create_post, thread=thread, author=members[0], body="Mine")
    run_in_thread(posts.create_post, thread=thread, author=members[1], body=LONG_BODY)
    page = browser_as(members[0])
    page.goto(f"/posts/{own.pk}/retract/")
    # The grace period ends while the page is open: the server refuses.
    Post.objects.filter(pk=own.pk).update(editable_until=timezone.now() - timedelta(minutes=1))
    with page.expect_navigation():
        page.get_by_role("button", name="Retract for good").click()
    notice = page.locator(f"#post-{own.pk}-notice")
    expect(notice).to_be_visible()
    expect(notice).to_be_in_viewport()
    assert _focused(page)["id"] == f"post-{own.pk}-notice"
    expect(page.locator(".messages .message")).to_have_count(0)  # not also far up the page
    assert page.evaluate("window.scrollY") > 1000


def test_thanks_for_a_flag_are_said_at_the_post(browser_as, cohort, members):
    thread = _long_thread(cohort, members[1])
    last = thread.posts.order_by("-pk").first()
    page = browser_as(members[0])
    page.goto(f"/threads/{thread.pk}/?post={last.pk}#post-{last.pk}")
    page.locator(f"#post-{last.pk} summary").click()
    with page.expect_navigation():
        page.locator(f"#post-{last.pk}").get_by_role("button", name="Flag").click()
    notice = page.locator(f"#post-{last.pk}-notice")
    expect(notice).to_have_text("Thank you: the tutors will look at this post.")
    expect(notice).to_be_in_viewport()


def test_preview_keeps_the_keyboard_on_its_button(browser_as, cohort, members):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    page = browser_as(members[0])
    page.goto(f"/boards/{board.pk}/")
    page.get_by_label("Your first post").fill("A **calm** start")
    page.keyboard.press("Tab")  # from the text to the Preview button
    assert page.evaluate("document.activeElement.textContent") == "Preview"
    page.keyboard.press("Enter")
    preview = page.get_by_role("region", name="Preview of your post")
    expect(preview.locator("strong")).to_have_text("calm")
    expect(page.get_by_role("button", name="Preview")).to_be_focused()
    page.keyboard.press("Enter")  # and it works again from the keyboard
    expect(page.get_by_role("button", name="Preview")).to_be_focused()


USERBAR_OVERLAPS = """() => {
  const host = document.querySelector("wagtail-userbar");
  const trigger = host?.shadowRoot?.querySelector(".w-userbar-trigger");
  if (!trigger) return null;
  const bar = trigger.getBoundingClientRect();
  const overlaps = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width && r.height && r.left < bar.right && r.right > bar.left
          && r.top < bar.bottom && r.bottom > bar.top) {
        overlaps.push(node.textContent.trim().slice(0, 40));
      }
    }
  }
  return overlaps;
}"""


def test_the_wagtail_userbar_covers_no_text_on_a_phone(browser_as, cohort, tutor):
    from scenarios.services.permissions import grant_scenario_authoring
    from scenarios.services.releases import release_scenario
    from tests.scenarios.helpers import make_module, make_scenario

    scenario = make_scenario(make_module())
    release_scenario(cohort=cohort, scenario=scenario, by=None)
    grant_scenario_authoring(user=tutor)
    page = browser_as(tutor)
    page.set_viewport_size(PHONE)
    page.goto(scenario.url)
    page.wait_for_function(
        "() => document.querySelector('wagtail-userbar')?.shadowRoot"
        "?.querySelector('.w-userbar-trigger')"
    )
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 2 * PHONE["height"]  # a long page: the bar could cover text anywhere
    covered = {}
    for y in range(0, height, 100):
        page.evaluate(f"window.scrollTo(0, {y})")
        if overlaps := page.evaluate(USERBAR_OVERLAPS):
            covered[y] = overlaps
    assert covered == {}
