"""The inbox pages (issue 12): the API and the page walk every waiting item once, oldest first,
in pages of a fixed number of queries, through ties in ``since`` across and within kinds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentoring.boards.services import moderation, posts
from mentoring.inbox.selectors import cohort_inbox, inbox_page
from mentoring.models import Post, PostFlag, Thread
from tests.api.test_api_pagination import next_link, relative, walk
from tests.factories import UserFactory, make_cohort
from tests.mentoring.boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_inbox(db):
    """Four questions, three flagged posts and three unanswered threads, most of them waiting
    since the very same moment."""
    tutor = UserFactory(username="tess")
    asker, peer = UserFactory(username="asker"), UserFactory(username="peer")
    cohort = make_cohort(name="Busy", tutors=[tutor], members=[asker, peer])
    moment = timezone.now() - timedelta(days=5)
    for i in range(4):
        thread = posts.create_thread(
            board=private_board(cohort), author=asker, title=f"Question {i}", body="Help?"
        )
        Post.objects.filter(thread=thread).update(created_at=moment + timedelta(seconds=i // 3))
    flagged = posts.create_thread(
        board=general_board(cohort), author=asker, title="Flagged", body="One"
    )
    for i in range(2):
        posts.create_post(thread=flagged, author=asker, body=f"Reply {i}")
    for post in flagged.posts.all():
        moderation.flag_post(post=post, by=peer)
    PostFlag.objects.update(created_at=moment)
    for i in range(3):
        thread = posts.create_thread(
            board=general_board(cohort), author=peer, title=f"Quiet {i}", body="Anyone?"
        )
        Thread.objects.filter(pk=thread.pk).update(created_at=moment)
    Thread.objects.filter(pk=flagged.pk).update(created_at=timezone.now())
    return cohort, tutor, asker


def keys(items):
    return [(i["kind"], i["thread_id"], i["post_id"]) for i in items]


def test_the_api_pages_through_every_item_once_in_order(busy_inbox, api):
    cohort, tutor, _ = busy_inbox
    whole = [(i.kind, i.thread_id, i.post_id) for i in cohort_inbox(cohort=cohort)]
    assert len(whole) == 10
    assert [k for k, *_ in whole[:6]] == ["flag"] * 3 + ["question"] * 3  # ties: by kind
    for limit in (1, 2, 3, 7):
        collected, pages = walk(api(tutor), f"/api/v1/cohorts/{cohort.pk}/inbox?limit={limit}")
        assert keys(collected) == whole
        assert pages == -(-len(whole) // limit)
    first = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/inbox")
    assert next_link(first) is None and len(first.data) == 10


def test_a_page_costs_the_same_queries_however_much_waits(busy_inbox, api):
    cohort, tutor, _ = busy_inbox
    client = api(tutor)
    first = client.get(f"/api/v1/cohorts/{cohort.pk}/inbox?limit=2")
    second_url = relative(next_link(first))
    with CaptureQueriesContext(connection) as small:
        client.get(f"/api/v1/cohorts/{cohort.pk}/inbox?limit=2")
    with CaptureQueriesContext(connection) as later:
        client.get(second_url)
    with CaptureQueriesContext(connection) as whole:
        client.get(f"/api/v1/cohorts/{cohort.pk}/inbox?limit=500")
    assert len(small) == len(later) == len(whole)


def test_an_item_that_leaves_does_not_push_another_off_the_page(busy_inbox, api):
    cohort, tutor, _ = busy_inbox
    client = api(tutor)
    first = client.get(f"/api/v1/cohorts/{cohort.pk}/inbox?limit=4")
    (flag,) = [i for i in first.data if i["kind"] == "flag"][:1]
    PostFlag.objects.filter(post_id=flag["post_id"]).update(resolved_at=timezone.now())
    rest, _ = walk(client, relative(next_link(first)))
    whole = keys(first.data) + keys(rest)
    assert len(whole) == len(set(whole)) == 10


def _cursor(*values) -> str:
    from mentoring.core.pagination import encode_cursor

    return encode_cursor(list(values), "inbox")


@pytest.mark.parametrize(
    "cursor",
    [
        "nope",
        "eyJvIjoiaW5ib3giLCJrIjpbMSwyLDMsNF19",
        "eyJvIjoieCIsImsiOltdfQ",
        _cursor("9999-12-31T23:59:59-14:00", "flag", 1, 0),  # past year 9999 in UTC
        _cursor("2026-01-01T00:00:00", "flag", 1, 0),  # no time zone
        _cursor("2026-01-01T00:00:00+00:00", "gossip", 1, 0),
        _cursor("2026-01-01T00:00:00+00:00", "flag", 2**64, 0),
        _cursor("2026-01-01T00:00:00+00:00", "flag", True, 0),
    ],
)
def test_a_cursor_we_did_not_hand_out_is_a_400(busy_inbox, api, cursor):
    cohort, tutor, _ = busy_inbox
    response = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/inbox?cursor={cursor}")
    assert response.status_code == 400 and response.data["code"] == "invalid_cursor"
    page = Client()
    page.force_login(tutor)
    assert page.get(f"/cohorts/{cohort.pk}/inbox/?cursor={cursor}").status_code == 400
    for limit in ("0", "501", "x"):
        refused = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/inbox?limit={limit}")
        assert refused.status_code in (400, 422) and refused.data["code"]


def test_the_page_shows_a_page_the_whole_count_and_a_pager(busy_inbox, monkeypatch):
    cohort, tutor, asker = busy_inbox
    from mentoring.inbox import selectors

    monkeypatch.setattr(selectors, "INBOX_PAGE", selectors.PageSize(default=4, maximum=500))
    client = Client()
    client.force_login(tutor)
    html = client.get(f"/cohorts/{cohort.pk}/inbox/").content.decode()
    assert html.count('class="inbox-item ') == 4
    assert "<strong data-inbox-count>10</strong> waiting; this page shows 4." in html
    assert 'rel="next"' in html
    page = inbox_page(cohort=cohort, limit=4)
    assert page.next_cursor is not None and len(page.items) == 4


def test_the_page_takes_a_limit_and_says_plainly_when_one_does_not_work(busy_inbox):
    cohort, tutor, _ = busy_inbox
    client = Client()
    client.force_login(tutor)
    html = client.get(f"/cohorts/{cohort.pk}/inbox/?limit=3").content.decode()
    assert html.count('class="inbox-item ') == 3 and 'rel="next"' in html
    for query in ("?limit=0", "?limit=501", "?limit=x", "?cursor=garbage"):
        response = client.get(f"/cohorts/{cohort.pk}/inbox/{query}")
        assert response.status_code == 400
        page = response.content.decode()
        assert "This link does not work here" in page  # the site's page, not a bare 400
        assert ("limit must be" in page) or ("This cursor is not valid here" in page)
        assert f'href="/cohorts/{cohort.pk}/inbox/"' in page  # back to the first page


def test_a_method_the_api_does_not_take_answers_json(busy_inbox, api):
    cohort, tutor, _ = busy_inbox
    response = api(tutor).post(f"/api/v1/cohorts/{cohort.pk}/inbox", {})
    assert response.status_code == 405
    assert response.data["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
