"""GET /api/v1/cohorts/{id}/participation?all=true: every member in one streamed response, in
the paged API's shape (docs/api.md), read chunk by chunk from a server-side cursor."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest
from django.db import connection
from django.test import Client
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
    assert sum("DECLARE staffroom_stream" in s for s in sql) == 1
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


def _asgi_get(
    path: str, query: str, token: str, *, leave_after_first_members=False, observe=None
) -> list:
    """Drive the real ASGI application for one GET: the messages it sends, in order, each with
    ``observe()`` when it was sent. With ``leave_after_first_members`` the client disconnects
    once the first members arrive."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []

    async def call() -> None:
        done = asyncio.Event()
        requested = False

        async def receive():
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append({**message, "observed": observe() if observe else None})
            last = message["type"] == "http.response.body" and not message.get("more_body")
            if last or (leave_after_first_members and b'"user_id"' in message.get("body", b"")):
                done.set()
                await asyncio.sleep(0)

        await asyncio.wait_for(application(scope, receive, send), 60)

    asyncio.run(call())
    return sent


@pytest.fixture
def counted_reads(monkeypatch):
    """The rows each chunk read (``stream_rows`` wrapped), and whether the read ended."""
    read: list = []
    real = participation_rows.stream_rows

    def counting(*args, **kwargs):
        try:
            for part in real(*args, **kwargs):
                read.append(len(part))
                threads.add(threading.get_ident())
                yield part
        finally:
            # Closed where the rows were read (the request's database thread), not by the
            # garbage collector wherever it runs.
            read.append("closed" if threading.get_ident() in threads else "closed elsewhere")

    threads: set[int] = set()

    monkeypatch.setattr(participation_rows, "stream_rows", counting)
    monkeypatch.setattr(participation_rows, "STREAM_CHUNK", 10)
    return read


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_first_members_are_sent_before_the_last_are_read(tutor, counted_reads):
    """Through the real ASGI application: each chunk is sent as it is read. Django reads a
    synchronous iterator whole before sending anything; here the first members leave while
    most rows are still unread."""
    cohort = _cohort_of(tutor, 30)
    token = ApiClient(tutor).token

    def rows_read() -> int:
        return sum(n for n in counted_reads if n != "closed")

    path = f"/api/v1/cohorts/{cohort.pk}/participation"
    sent = _asgi_get(path, "all=true", token, observe=rows_read)
    assert sent[0]["status"] == 200
    body = json.loads(b"".join(m.get("body", b"") for m in sent))
    assert len(body["members"]) == 30 and rows_read() == 30
    assert counted_reads[-1] == "closed"
    with_members = [m["observed"] for m in sent if b'"user_id"' in m.get("body", b"")]
    assert len(with_members) == 3  # 10 members a chunk
    assert with_members[0] < 30, "the first members went out only after every row was read"


@pytest.mark.django_db(transaction=True)
def test_under_asgi_a_client_that_leaves_ends_the_read(tutor, counted_reads):
    cohort = _cohort_of(tutor, 30)
    token = ApiClient(tutor).token
    path = f"/api/v1/cohorts/{cohort.pk}/participation"
    sent = _asgi_get(path, "all=true", token, leave_after_first_members=True)
    assert sent[0]["status"] == 200
    assert counted_reads[-1] == "closed"  # the generator was closed: its transaction ended
    assert sum(n for n in counted_reads if n != "closed") < 30


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
    # The dashboard's CSV, the same stream as CSV, signed in with a session.
    browser = Client()
    browser.force_login(tutor)
    cookies = {"sessionid": browser.cookies["sessionid"].value}
    csv_url = f"{live_url}/cohorts/{cohort.pk}/dashboard/participation.csv"
    response = httpx.get(csv_url, cookies=cookies, timeout=60)
    assert response.status_code == 200, response.text[:300]
    assert response.headers.get("transfer-encoding") == "chunked"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1201 and len(set(lines[1:])) == 1200


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
        source = parts()
        chunks = streaming.async_chunks(source)
        got = [await anext(chunks), await anext(chunks)]
        await chunks.aclose()
        assert closed == [True]  # at once, not when the garbage collector finds it
        return got

    assert asyncio.run(first_two()) == ["a", "b"]  # an empty part is skipped, not the end


def test_the_dashboard_csv_reads_the_same_cursor(client, big_cohort, tutor, monkeypatch):
    """The CSV download shares the stream: the same server-side cursor, a chunk at a time."""
    monkeypatch.setattr(participation_rows, "STREAM_CHUNK", 10)
    client.force_login(tutor)
    response = client.get(f"/cohorts/{big_cohort.pk}/dashboard/participation.csv")
    assert response.streaming
    with CaptureQueriesContext(connection) as queries:
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("DECLARE staffroom_stream" in s for s in sql) == 1
    assert sum(s.startswith("FETCH FORWARD 10 ") for s in sql) == 3
    lines = text.splitlines()
    assert lines[0].startswith("username,display_name,status")
    assert len(lines) == 26 and len(set(lines[1:])) == 25
