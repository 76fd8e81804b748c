"""Pages catch up after the server goes away (issue 9 #16): the thread page reconnects with
back-off and ``?since=``, and what was posted while it was cut off appears, in order; when the
server cannot replay (``resync``) the page refetches instead. The same for the dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.boards.services import posts as services
from mentoring.models import Board, LiveEvent
from mentoring.participation.services import counters as participation
from tests.conftest import run_in_thread
from tests.factories import UserFactory, make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _setting():
    tutor = UserFactory(username="tutor_live", display_name="Tess Tutor")
    members = [UserFactory(username=f"nqt_live{i}", display_name=f"NQT {i}") for i in (1, 2)]
    cohort = make_cohort(name="Catch-up cohort", tutors=[tutor], members=members)
    board = Board.objects.get(cohort=cohort, kind="general")
    thread = run_in_thread(
        services.create_thread, board=board, author=members[0], title="Outage", body="Start"
    )
    return tutor, members, cohort, thread


def _live_thread(browser_as, user, thread):
    page = browser_as(user)
    page.goto(f"/threads/{thread.pk}/")
    page.wait_for_function(
        "() => document.querySelector('[data-thread-id]')?.dataset.live === '1'", timeout=20_000
    )
    return page


def test_thread_page_catches_up_after_a_server_restart(browser_as, live_layer, live_server_process):
    _, members, _, thread = _setting()
    page = _live_thread(browser_as, members[1], thread)

    live_server_process.stop()
    for n in (1, 2):
        run_in_thread(services.create_post, thread=thread, author=members[0], body=f"missed {n}")
    live_server_process.restart()

    posts = page.locator("ol.posts > li.post-item")
    expect(posts.filter(has_text="missed 2")).to_be_visible(timeout=30_000)
    texts = posts.all_inner_texts()
    assert [i for i, t in enumerate(texts) if "missed" in t] == [len(texts) - 2, len(texts) - 1]
    assert "missed 1" in texts[-2]


def test_thread_page_refetches_when_the_log_cannot_replay(
    browser_as, live_layer, live_server_process
):
    _, members, _, thread = _setting()
    page = _live_thread(browser_as, members[1], thread)

    live_server_process.stop()
    run_in_thread(services.create_post, thread=thread, author=members[0], body="beyond the log")
    LiveEvent.objects.all().delete()  # as if trimmed: ?since= gets resync
    live_server_process.restart()

    expect(page.locator("li.post-item", has_text="beyond the log")).to_be_visible(timeout=30_000)


def test_dashboard_rows_catch_up_after_a_server_restart(
    browser_as, live_layer, live_server_process
):
    tutor, members, cohort, thread = _setting()
    page = browser_as(tutor)
    page.goto(f"/cohorts/{cohort.pk}/dashboard/")
    page.wait_for_function(
        "() => document.querySelector('[data-dashboard]')?.dataset.live === 'connected'",
        timeout=20_000,
    )
    live_server_process.stop()
    run_in_thread(participation.record_thread_read, user=members[1], thread=thread)
    live_server_process.restart()

    row = page.locator(f'tr[data-user-id="{members[1].pk}"]')
    expect(row).to_have_attribute("data-status", "reader", timeout=30_000)


def test_dashboard_refetches_its_rows_when_the_log_cannot_replay(
    browser_as, live_layer, live_server_process
):
    tutor, members, cohort, thread = _setting()
    page = browser_as(tutor)
    page.goto(f"/cohorts/{cohort.pk}/dashboard/")
    page.wait_for_function(
        "() => document.querySelector('[data-dashboard]')?.dataset.live === 'connected'",
        timeout=20_000,
    )
    live_server_process.stop()
    run_in_thread(participation.record_thread_read, user=members[1], thread=thread)
    LiveEvent.objects.all().delete()  # as if trimmed: ?since= gets resync
    live_server_process.restart()

    # Every row the page shows comes again from the server (dashboard:rows), counts with them.
    row = page.locator(f'tr[data-user-id="{members[1].pk}"]')
    expect(row).to_have_attribute("data-status", "reader", timeout=30_000)
    expect(row.locator("[data-field=threads_read]")).to_have_text("1")
    expect(page.locator('[data-count="reader"]').first).to_have_text("1")


def test_notifications_page_catches_up_with_dated_items(
    browser_as, live_layer, live_server_process
):
    from mentoring.notifications.services.notifications import notify

    _, members, _, _ = _setting()
    page = browser_as(members[0])
    page.goto("/notifications/")
    page.wait_for_function(
        "() => document.documentElement.dataset.live?.includes('/ws/notifications/')",
        timeout=20_000,
    )
    live_server_process.stop()
    run_in_thread(notify, user=members[0], kind="system", title="Missed while away", url="/")
    LiveEvent.objects.all().delete()
    live_server_process.restart()

    item = page.locator("#notification-list li.notification", has_text="Missed while away")
    expect(item).to_be_visible(timeout=30_000)
    expect(item.locator("time")).to_have_count(1)
