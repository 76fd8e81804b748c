"""GET /api/v1/cohorts/{id}/participation?all=true: every member in one streamed response, in
the paged API's shape (docs/api.md), read chunk by chunk from a server-side cursor."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.asgi import application
from mentoring.boards.services import posts
from mentoring.core import streaming
from mentoring.models import Board, Membership
from mentoring.participation.selectors import rows as participation_rows
from mentoring.participation.services import counters as participation
from tests.factories import ApiClient, UserFactory, make_cohort

pytestmark = pytest.mark.django_db


def _streamed(response) -> dict:
    assert response.status_code == 200, response
    assert response.streaming, "every member comes as a stream"
    return json.loads(b"".join(response.streaming_content))


def _cohort_of(tutor, size: int, name: str = "Streamed"):
    cohort = make_cohort(
        name=name,
        tutors=[tutor],
        members=[UserFactory(username=f"{name.lower()}{i:04}") for i in range(size)],
    )
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = posts.create_thread(board=board, author=tutor, title="Hello", body="Say hello")
    first, second = (
        m.user
        for m in Membership.objects.filter(cohort=cohort, role="member").order_by("user__username")[
            :2
        ]
    )
    posts.create_post(thread=thread, author=first, body="Hello!")
    participation.record_thread_read(user=second, thread=thread)
    return cohort


@pytest.fixture
def big_cohort(tutor):
    return _cohort_of(tutor, 25)


@pytest.mark.parametrize("sort", ["", "-status", "name", "-last_seen"])
def test_every_member_once_in_the_paged_shape_and_order(big_cohort, tutor, sort, monkeypatch):
    # Chunks of 4 members: the 25 cross several chunk boundaries.
    monkeypatch.setattr(participation_rows, "STREAM_CHUNK", 4)
    client = ApiClient(tutor)
    path = f"/api/v1/cohorts/{big_cohort.pk}/participation?sort={sort}"
    paged = client.get(path + "&limit=20000").data
    whole = _streamed(client.client.get(path + "&all=true"))
    assert set(whole) == set(paged)
    assert whole["members"] == paged["members"]
    assert len({m["user_id"] for m in whole["members"]}) == len(whole["members"]) == 25
    assert whole["counts"] == paged["counts"]
    assert whole["counts"] == {"contributor": 1, "reader": 1, "resource_only": 0, "inactive": 23}
    assert whole["conversion"] == paged["conversion"]
    assert whole["next"] is None
    assert (whole["cohort_id"], whole["reader_threshold"]) == (big_cohort.pk, 1)


def test_the_members_are_read_in_chunks_from_a_server_side_cursor(big_cohort, tutor, monkeypatch):
    monkeypatch.setattr(participation_rows, "STREAM_CHUNK", 10)
    path = f"/api/v1/cohorts/{big_cohort.pk}/participation?all=true"
    response = ApiClient(tutor).client.get(path)
    with CaptureQueriesContext(connection) as queries:
        parts = list(response.streaming_content)  # nothing was read before the first part
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum(s.startswith("DECLARE ") for s in sql) == 1
    assert sum(s.startswith("FETCH FORWARD 10 ") for s in sql) == 3  # 25 members: 10, 10, 5
    assert len(parts) == 5  # the head, three chunks of members, the counts
    assert len(json.loads(b"".join(parts))["members"]) == 25


def test_filters_keep_counts_for_the_whole_cohort(big_cohort, tutor):
    path = f"/api/v1/cohorts/{big_cohort.pk}/participation?all=true&status=reader"
    whole = _streamed(ApiClient(tutor).client.get(path))
    assert [m["status"] for m in whole["members"]] == ["reader"]
    assert sum(whole["counts"].values()) == 25


def test_members_and_strangers_get_404_and_nothing_is_read(api, cohort, members, outsider):
    path = f"/api/v1/cohorts/{cohort.pk}/participation?all=true"
    for user in (members[0], outsider):
        client = api(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 404
        assert response.data["code"] == "not_found"
        assert not any("DECLARE" in q["sql"] for q in queries.captured_queries)
        assert not any("JSON_BUILD_OBJECT" in q["sql"] for q in queries.captured_queries)
    assert api().get(path).status_code == 401


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("all=true&limit=10", "all_not_paged"),
        ("all=true&cursor=abc", "all_not_paged"),
        ("all=maybe", "invalid"),
    ],
)
def test_bad_parameters_are_400_with_a_code(api, cohort, tutor, query, code):
    response = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/participation?{query}")
    assert response.status_code == 400, response.content
    assert response.data["code"] == code


def test_an_empty_cohort_streams_an_empty_list(tutor):
    cohort = make_cohort(name="Empty", tutors=[tutor], members=[])
    path = f"/api/v1/cohorts/{cohort.pk}/participation?all=true"
    whole = _streamed(ApiClient(tutor).client.get(path))
    assert whole["members"] == [] and sum(whole["counts"].values()) == 0


def test_a_stopped_reader_rolls_the_read_back(tutor, big_cohort, monkeypatch):
    """A client that leaves mid-way closes the generator: the cursor's transaction ends."""
    monkeypatch.setattr(participation_rows, "STREAM_CHUNK", 10)
    response = ApiClient(tutor).client.get(
        f"/api/v1/cohorts/{big_cohort.pk}/participation?all=true"
    )
    parts = iter(response.streaming_content)
    next(parts), next(parts)  # the head and the first ten members
    depth = len(connection.atomic_blocks)
    response.close()
    assert len(connection.atomic_blocks) == depth - 1


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_first_members_are_sent_before_the_last_are_read(tutor, monkeypatch):
    """Through the real ASGI application: each chunk is sent as it is read. Django reads a
    synchronous iterator whole before sending anything; here the first members leave while
    most rows are still unread."""
    cohort = _cohort_of(tutor, 30)
    token = ApiClient(tutor).token
    monkeypatch.setattr(participation_rows, "STREAM_CHUNK", 10)
    read: list[int] = []
    real = participation_rows.stream_rows

    def counting(*args, **kwargs):
        for part in real(*args, **kwargs):
            read.append(len(part))
            yield part

    monkeypatch.setattr(participation_rows, "stream_rows", counting)
    sent: list[tuple[bytes, int]] = []  # each body message, and the rows read when it was sent

    async def call() -> dict:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": f"/api/v1/cohorts/{cohort.pk}/participation",
            "raw_path": f"/api/v1/cohorts/{cohort.pk}/participation".encode(),
            "query_string": b"all=true",
            "root_path": "",
            "headers": [
                (b"host", b"testserver"),
                (b"authorization", f"Bearer {token}".encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        done = asyncio.Event()
        start: dict = {}
        requested = False

        async def receive():
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message.get("body"):
                sent.append((message["body"], sum(read)))
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await asyncio.wait_for(application(scope, receive, send), 60)
        return start

    start = asyncio.run(call())
    assert start["status"] == 200
    body = json.loads(b"".join(part for part, _ in sent))
    assert len(body["members"]) == 30 and sum(read) == 30
    with_members = [rows for part, rows in sent if b'"user_id"' in part]
    assert len(with_members) == 3
    assert with_members[0] < 30, "the first members went out only after every row was read"


@pytest.mark.timeout(180)
def test_a_real_server_streams_every_member_once(live_url, tutor):
    """Over uvicorn: chunked, no Content-Length, every member once."""
    cohort = _cohort_of(tutor, 1200, name="Live")
    token = ApiClient(tutor).token
    url = f"{live_url}/api/v1/cohorts/{cohort.pk}/participation?all=true&sort=-status"
    with httpx.stream("GET", url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/json")
        assert "content-length" not in r.headers
        assert r.headers.get("transfer-encoding") == "chunked"
        body = json.loads(r.read())
    assert len(body["members"]) == 1200
    assert len({m["user_id"] for m in body["members"]}) == 1200
    assert body["counts"]["contributor"] == 1 and body["next"] is None


def test_async_chunks_closes_the_generator_when_the_response_ends_early():
    closed = []

    def parts():
        try:
            yield "a"
            yield ""
            yield "b"
            yield "c"
        finally:
            closed.append(True)

    async def first_two() -> list[str]:
        chunks = streaming.async_chunks(parts())
        got = [await anext(chunks), await anext(chunks)]
        await chunks.aclose()
        return got

    assert asyncio.run(first_two()) == ["a", "b"]  # an empty part is skipped, not the end
    assert closed == [True]
