"""Sign in in a real browser, see the cohort, and receive a notification without reloading."""

import re

import pytest
from playwright.sync_api import expect

from demo.site import seed_home_page
from mentoring.notifications.services.notifications import notify
from tests.conftest import run_in_thread
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_see_cohort_and_live_notification(browser_as, cohort, members, live_layer):
    seed_home_page()
    page = browser_as()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("member1")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Member 1")).to_be_visible()
    expect(page.locator("#cohort-list")).to_contain_text(cohort.name)
    page.wait_for_function(
        "() => document.documentElement.dataset.live?.includes('/ws/notifications/')"
    )
    run_in_thread(
        notify, user=members[0], kind="system", title="Your tutor replied", url="/notifications/"
    )
    expect(page.locator("#home-notification-list")).to_contain_text("Your tutor replied")
    expect(page.locator("#notification-count")).to_have_text("1 unread")


def test_tutors_home_page_counts_the_inbox_live_and_dates_live_notifications(
    browser_as, cohort, tutor, members, live_layer
):
    """Open as a tutor; a member asks a question on "Ask a tutor": "Inbox: N waiting" goes up
    and the notification comes in with its date, as on a fresh page, without a reload."""
    from mentoring.boards.services import posts
    from tests.mentoring.boards_helpers import private_board

    seed_home_page()
    page = browser_as(tutor)
    page.goto("/")
    inbox = page.locator(f'[data-inbox-cohort="{cohort.pk}"]')
    expect(inbox).to_have_text("Inbox: 0 waiting")
    page.wait_for_function(
        "() => document.documentElement.dataset.live?.includes('/ws/notifications/')"
    )
    run_in_thread(
        posts.create_thread,
        board=private_board(cohort),
        author=members[0],
        title="Marking the mocks",
        body="How strict should I be?",
    )
    expect(inbox).to_have_text("Inbox: 1 waiting")
    item = page.locator("#home-notification-list li.notification").first
    expect(item).to_contain_text("Marking the mocks")
    expect(item.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    live_text = " ".join(item.inner_text().split())
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    page.reload()
    fresh = page.locator("#home-notification-list li.notification").first
    assert " ".join(fresh.inner_text().split()) == live_text
