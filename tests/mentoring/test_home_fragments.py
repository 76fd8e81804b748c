"""The server-rendered pieces the live home page and notification lists fetch: a notification's
item (with its date, as the lists render it) and a cohort's "Inbox: N waiting"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from mentoring.boards.services import posts
from mentoring.models import Notification
from mentoring.notifications.services.notifications import notify
from tests.factories import signed_in
from tests.mentoring.boards_helpers import private_board

pytestmark = pytest.mark.django_db


# The lists' date format may depend on how far back a date is: hold the clock a day later.
@time_machine.travel("2031-03-04 12:00:00+00:00", tick=True)
def test_a_notifications_item_is_rendered_as_the_lists_render_it(members):
    notify(user=members[0], kind="system", title="Your tutor replied", url="/notifications/")
    n = Notification.objects.get(user=members[0])
    Notification.objects.filter(pk=n.pk).update(created_at=datetime(2031, 3, 3, 9, 5, tzinfo=UTC))
    response = signed_in(members[0]).get(f"/notifications/{n.pk}/item/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<li class="notification unread" data-notification-id="{n.pk}"')
    assert "Your tutor replied" in html
    assert '<time datetime="2031-03-03T09:05:00+00:00">3 Mar 2031, 09:05</time>' in html
    # The same item the notifications page shows.
    page = signed_in(members[0]).get("/notifications/").content.decode()
    assert html.strip() in page
    # Fetching it reads nothing.
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_someone_elses_notification_is_a_404(members):
    notify(user=members[0], kind="system", title="Private", url="/notifications/")
    n = Notification.objects.get(user=members[0])
    assert signed_in(members[1]).get(f"/notifications/{n.pk}/item/").status_code == 404
    assert signed_in(members[1]).get("/notifications/999999/item/").status_code == 404


def test_inbox_count_is_the_home_pages_own_words(cohort, tutor, members, wagtail_root):
    client = signed_in(tutor)
    url = f"/cohorts/{cohort.pk}/inbox/count/"
    # By the cohort's id, so the live home page swaps it in place (live.js swapFragment).
    assert client.get(url).content.decode().strip() == (
        f'<span id="inbox-count-{cohort.pk}">Inbox: <strong data-inbox-count="0">0</strong>'
        " waiting</span>"
    )
    posts.create_thread(
        board=private_board(cohort), author=members[0], title="Marking?", body="Help"
    )
    fragment = client.get(url).content.decode().strip()
    assert fragment == (
        f'<span id="inbox-count-{cohort.pk}">Inbox: <strong data-inbox-count="1">1</strong>'
        " waiting</span>"
    )
    from demo.site import seed_home_page

    seed_home_page()
    home = client.get("/").content.decode()
    assert f'data-inbox-count-url="{url}">{fragment}</a>' in home
    assert signed_in(members[0]).get(url).status_code == 404
