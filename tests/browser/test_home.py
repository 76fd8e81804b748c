"""Sign in in a real browser, see the cohort, and receive a notification without reloading."""

import pytest
from playwright.sync_api import expect

from cms.demo import seed_home_page
from mentoring.notifications.services import notify
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
