"""Two uvicorn workers on one Redis (issue 12) and a Redis outage (issue 9 #16), end to end:
HTTP posts through one worker, websockets on the other, a worker restart and Redis going away
and coming back. Each test starts its own redis-server and workers on free loopback ports."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest
from channels.db import database_sync_to_async

from mentoring.accounts.services.tokens import create_api_token
from mentoring.boards.services import posts as boards
from mentoring.models import Board
from mentoring.realtime import hub
from tests.conftest import RedisServer as Redis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.redis]


@pytest.fixture
def own_redis():
    redis = Redis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def two_workers(start_server, own_redis, cohort, wagtail_root):
    """Workers A and B on the test database and one Redis (started after this test's data is
    in place: they cache content type ids)."""
    env = {"REDIS_URL": own_redis.url}
    a, b = start_server(env), start_server(env)
    yield a, b
    a.stop()
    b.stop()


@database_sync_to_async
def thread_and_tokens(cohort, members):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = boards.create_thread(board=board, author=members[0], title="Two", body="start")
    return thread, create_api_token(user=members[0]), create_api_token(user=members[1])


def post_through(server, thread_id: int, token: str, body: str) -> int:
    request = urllib.request.Request(
        f"{server.url}/api/v1/threads/{thread_id}/posts",
        data=json.dumps({"body": body}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())["id"]


def ws_url(server, thread_id: int, since: int | None = None) -> str:
    query = f"?since={since}" if since is not None else ""
    return server.url.replace("http", "ws") + f"/ws/threads/{thread_id}/{query}"


async def connect(url: str, token: str):
    import websockets

    socket = await websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"})
    ready = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert ready["type"] == "ready"
    return socket, ready["seq"]


async def next_message(socket, timeout: float) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout))


async def test_a_post_through_one_worker_reaches_the_other_and_survives_its_restart(
    two_workers, cohort, members
):
    a, b = two_workers
    thread, poster, reader = await thread_and_tokens(cohort, members)
    socket, start = await connect(ws_url(b, thread.pk), reader)

    started = time.monotonic()
    post_id = await asyncio.to_thread(post_through, a, thread.pk, poster, "through A")
    message = await next_message(socket, 5)
    assert (message["type"], message["post"]["id"], message["seq"]) == (
        "post.created",
        post_id,
        start + 1,
    )
    assert time.monotonic() - started < hub.POLL_SECONDS  # over Redis, not the log poll
    await socket.close()

    # B restarts; meanwhile two posts go through A. The reader comes back with ?since=.
    await asyncio.to_thread(b.restart)
    missed = [
        await asyncio.to_thread(post_through, a, thread.pk, poster, f"while B was away {n}")
        for n in range(2)
    ]
    socket, ready = await connect(ws_url(b, thread.pk, since=start + 1), reader)
    assert ready == start + 1
    replay = [await next_message(socket, 5) for _ in missed]
    assert [(m["seq"], m["post"]["id"]) for m in replay] == [
        (start + 2, missed[0]),
        (start + 3, missed[1]),
    ]
    live = await asyncio.to_thread(post_through, a, thread.pk, poster, "and live again")
    message = await next_message(socket, 5)
    assert (message["seq"], message["post"]["id"]) == (start + 4, live)
    await socket.close()


async def test_redis_down_and_back_posting_works_and_sockets_catch_up(
    two_workers, own_redis, cohort, members
):
    a, b = two_workers
    thread, poster, reader = await thread_and_tokens(cohort, members)
    on_a, start = await connect(ws_url(a, thread.pk), reader)
    on_b, _ = await connect(ws_url(b, thread.pk), reader)

    await asyncio.to_thread(own_redis.stop)
    during = await asyncio.to_thread(post_through, a, thread.pk, poster, "while Redis is down")
    # Same worker: at once. The other worker: from the log, within its poll.
    assert (await next_message(on_a, 3))["post"]["id"] == during
    message = await next_message(on_b, hub.POLL_SECONDS + 5)
    assert (message["seq"], message["post"]["id"]) == (start + 1, during)

    # A reader whose connection dropped during the outage comes back with ?since= on B.
    await on_b.close()
    second = await asyncio.to_thread(post_through, a, thread.pk, poster, "still down")
    on_b, _ = await connect(ws_url(b, thread.pk, since=start + 1), reader)
    assert (await next_message(on_b, 5))["post"]["id"] == second

    await asyncio.to_thread(own_redis.start)
    after = await asyncio.to_thread(post_through, a, thread.pk, poster, "Redis is back")
    for socket in (on_a, on_b):
        seqs = []
        while not seqs or seqs[-1] < start + 3:
            seqs.append((await next_message(socket, hub.POLL_SECONDS + 5))["seq"])
        assert seqs[-1] == start + 3
    # Live over Redis again: B rejoined its groups once Redis answered.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        started = time.monotonic()
        last = await asyncio.to_thread(post_through, a, thread.pk, poster, "probe")
        message = await next_message(on_b, hub.POLL_SECONDS + 5)
        await next_message(on_a, 5)
        if time.monotonic() - started < 0.5:
            break
    assert message["post"]["id"] == last and time.monotonic() - started < 0.5
    assert after
    for socket in (on_a, on_b):
        await socket.close()
