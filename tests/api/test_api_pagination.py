"""Every API list pages as the public surface (docs/api.md) says: ``?limit=``, an opaque cursor,
``Link: rel="next"``; arrays stay arrays, objects holding a list carry ``next``; a fixed number
of queries per page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.boards.services import posts as services
from mentoring.models import Board, Notification, Post, Thread
from tests.factories import UserFactory, make_cohort

pytestmark = pytest.mark.django_db
LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def next_link(response) -> str | None:
    header = response.headers.get("Link")
    if header is None:
        return None
    match = LINK.match(header)
    assert match, header
    return match["url"]


def relative(url: str) -> str:
    assert url.startswith("http://testserver/"), url
    return url.removeprefix("http://testserver")


def walk(client, path: str, items=lambda data: data) -> tuple[list, int]:
    collected, pages = [], 0
    while path:
        response = client.get(path)
        assert response.status_code == 200, response.data
        collected += items(response.data)
        pages += 1
        url = next_link(response)
        if isinstance(response.data, dict) and "next" in response.data:
            assert response.data["next"] == url
        path = url and relative(url)
    return collected, pages


@pytest.fixture
def board(cohort):
    return Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)


def _threads(board, author, n):
    now = timezone.now()
    threads = Thread.objects.bulk_create(
        Thread(
            board=board,
            cohort=board.cohort,
            author=author,
            title=f"Thread {i}",
            created_at=now,
            last_activity_at=now - timedelta(minutes=i % 4),  # ties on purpose
        )
        for i in range(n)
    )
    return threads


def test_board_threads_page_with_a_link_header_and_stay_an_array(api, board, members):
    threads = _threads(board, members[0], 13)
    client = api(members[1])
    first = client.get(f"/api/v1/boards/{board.pk}/threads?limit=5")
    assert isinstance(first.data, list) and len(first.data) == 5
    assert "limit=5" in next_link(first) and "cursor=" in next_link(first)
    listed, pages = walk(client, f"/api/v1/boards/{board.pk}/threads?limit=5")
    assert pages == 3
    assert sorted(t["id"] for t in listed) == sorted(t.pk for t in threads)
    expected = sorted(threads, key=lambda t: (t.last_activity_at, t.pk), reverse=True)
    assert [t["id"] for t in listed] == [t.pk for t in expected]
    last = client.get(
        relative(next_link(client.get(f"/api/v1/boards/{board.pk}/threads?limit=10")))
    )
    assert "Link" not in last.headers


def test_thread_posts_page_with_next(api, board, members):
    thread = services.create_thread(board=board, author=members[0], title="Long", body="start")
    now = timezone.now()
    Post.objects.bulk_create(
        Post(
            thread=thread,
            cohort=board.cohort,
            author=members[i % 3],
            body=f"post {i}",
            body_html=f"<p>post {i}</p>",
            created_at=now + timedelta(seconds=i + 1),
            editable_until=now,
        )
        for i in range(11)
    )
    client = api(members[1])
    posts, pages = walk(client, f"/api/v1/threads/{thread.pk}?limit=4", lambda d: d["posts"])
    assert pages == 3 and len(posts) == 12
    assert [p["body_html"] for p in posts][:2] == ["<p>start</p>\n", "<p>post 0</p>"]
    whole = client.get(f"/api/v1/threads/{thread.pk}")
    assert whole.data["next"] is None and len(whole.data["posts"]) == 12
    assert "Link" not in whole.headers


def test_participation_pages_members_with_filter_and_sort(api, tutor):
    people = [UserFactory(username=f"n{i:02d}") for i in range(9)]
    cohort = make_cohort(name="Paged", tutors=[tutor], members=people)
    client = api(tutor)
    path = f"/api/v1/cohorts/{cohort.pk}/participation?limit=4&sort=-username&status=inactive"
    members, pages = walk(client, path, lambda d: d["members"])
    assert pages == 3
    assert [m["username"] for m in members] == sorted((p.username for p in people), reverse=True)
    assert client.get(path).data["counts"]["inactive"] == 9
    assert client.get(f"/api/v1/cohorts/{cohort.pk}/participation?limit=2000").status_code == 200


def test_notifications_page_with_next(api, members):
    Notification.objects.bulk_create(
        Notification(user=members[0], kind=Notification.Kind.NUDGE, title=f"n{i}", url="/")
        for i in range(7)
    )
    items, pages = walk(
        api(members[0]), "/api/v1/notifications?limit=3", lambda d: d["notifications"]
    )
    assert pages == 3 and len(items) == 7


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cohorts?limit=0",
        "/api/v1/cohorts?cursor=nonsense",
        "/api/v1/notifications?limit=100000",
        "/api/v1/boards/{board}/threads?cursor=bm9wZQ",
        "/api/v1/threads/{thread}?limit=-1",
        "/api/v1/cohorts/{cohort}/participation?cursor=e30",
    ],
)
def test_bad_limits_and_cursors_answer_400_in_the_error_shape(api, board, tutor, path):
    thread = services.create_thread(board=board, author=tutor, title="T", body="b")
    path = path.format(board=board.pk, thread=thread.pk, cohort=board.cohort_id)
    response = api(tutor).get(path)
    assert response.status_code == 400
    assert set(response.data) >= {"code", "detail"}


def test_a_cursor_for_one_sort_is_refused_for_another(api, tutor):
    cohort = make_cohort(name="Sorts", tutors=[tutor], members=[UserFactory() for _ in range(3)])
    client = api(tutor)
    first = client.get(f"/api/v1/cohorts/{cohort.pk}/participation?limit=1&sort=posts")
    cursor = first.data["next"].split("cursor=")[1]
    again = client.get(
        f"/api/v1/cohorts/{cohort.pk}/participation?limit=1&sort=name&cursor={cursor}"
    )
    assert again.status_code == 400 and again.data["code"] == "invalid_cursor"


def test_openapi_documents_each_lists_limit(api, members):
    schema = api(members[0]).get("/api/v1/openapi.json").data
    limits = {}
    for path, operations in schema["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["name"] == "limit":
                limits[path] = (parameter["schema"].get("default"), parameter["schema"]["maximum"])
    assert limits["/api/v1/cohorts/{cohort_id}/participation"] == (2000, 20000)
    assert limits["/api/v1/boards/{board_id}/threads"] == (50, 200)
    assert {
        "/api/v1/cohorts",
        "/api/v1/cohorts/{cohort_id}/boards",
        "/api/v1/threads/{thread_id}",
        "/api/v1/notifications",
        "/api/v1/cohorts/{cohort_id}/scenarios",
        "/api/v1/cohorts/{cohort_id}/scheduled-threads",
    } <= set(limits)


def test_a_page_of_threads_takes_the_same_queries_for_5_or_60_threads(
    api, board, members, django_assert_max_num_queries
):
    client = api(members[1])
    _threads(board, members[0], 5)
    client.get(f"/api/v1/boards/{board.pk}/threads")  # warm: token and permissions cached
    with django_assert_max_num_queries(8) as small:
        client.get(f"/api/v1/boards/{board.pk}/threads")
    _threads(board, members[0], 55)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(f"/api/v1/boards/{board.pk}/threads")
    assert len(response.data) == 50


def test_scheduled_threads_page(api, board, tutor):
    from mentoring.boards.services import scheduling

    start = timezone.now() + timedelta(days=1)
    for i in range(5):
        scheduling.schedule_thread(
            board=board,
            author=tutor,
            title=f"Week {i}",
            body="Prompt",
            publish_at=start + timedelta(days=7 * i),
        )
    listed, pages = walk(api(tutor), f"/api/v1/cohorts/{board.cohort_id}/scheduled-threads?limit=2")
    assert pages == 3 and [t["title"] for t in listed] == [f"Week {i}" for i in range(5)]
