"""The tutors' dashboard at the Edge Hill module's scale: 1,100 members, 50,000 posts and
1,000,000 read events (``seed_scale``).

1. ``GET /api/v1/cohorts/{id}/participation`` over loopback (median, end to end) against two
   references: reading the same counter rows straight from the database (one query from this
   process), and the same rows served as JSON over HTTP by a minimal ASGI route in the same
   server (``tests/bench/reference_asgi.py``: one raw query, no Django). The three are timed
   alternately, sample by sample, in the same run. Target: under 30 ms. The same request
   through Django in this process (``django.test.Client``: middleware, token, view, no socket)
   against the raw rows, alternately: what the endpoint costs without HTTP. Then all 11,000
   members of the large cohort in one streamed response (``?all=true``), against the same two
   references for all their rows.
2. The endpoint's query count at that scale against a 3-member cohort (it must not grow).
3. Live latency, from a member's read (the HTTP request that records it) to ``member.updated``
   on each of 5 tutor dashboard sockets, p50 and p95, with 1,100 idle member sockets open on
   the same server process; against the same request's own round trip.

Every loop is bounded and every connection goes to 127.0.0.1. ``--json-only`` runs part 1
alone (a couple of minutes).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sys
import time

from tests.bench.common import median, percentile, report, scale_cohorts, setup_django

MEMBERS = 1100
LARGE = 11_000  # the large cohort of bench_seed, read whole in one response
POSTS = 50_000
READS = 1_000_000
JSON_REPEAT = 40
LARGE_REPEAT = 12
REFERENCE_APP = "tests.bench.reference_asgi:application"
LIVE_EVENTS = 60
TUTOR_SOCKETS = 5
TARGET_SECONDS = 0.030

# What the endpoint reads, without the web around it: the members' counter rows.
COUNTER_ROWS = """
SELECT m.user_id, u.username, u.display_name, u.first_name, u.last_name, m.threads_read,
       m.posts, m.resource_views, m.last_seen_at, m.last_nudged_at, m.last_posted_at
FROM mentoring_membership m JOIN mentoring_user u ON u.id = m.user_id
WHERE m.cohort_id = %s AND m.role = 'member'
ORDER BY u.username, m.id
"""


def _scale_cohort():
    """Reuse a cohort seeded at this scale by an earlier run; otherwise seed one (~1 min)."""
    from django.core.management import call_command

    from mentoring.models import Cohort, Post, ReadEvent

    candidates = scale_cohorts(MEMBERS)
    for cohort in candidates[:3]:
        if (
            # The tutor's posts are the live threads earlier runs started.
            Post.objects.filter(cohort=cohort).exclude(author__username="tutor").count() == POSTS
            and ReadEvent.objects.filter(cohort=cohort).count() >= READS
        ):
            print(f"(reusing seeded cohort {cohort.pk})", flush=True)
            return cohort
    out = io.StringIO()
    started = time.perf_counter()
    call_command(
        "seed_scale", members=MEMBERS, posts=POSTS, reads=READS, stdout=out, stderr=io.StringIO()
    )
    cohort_id = int(out.getvalue().strip().splitlines()[-1])
    print(f"(seeded cohort {cohort_id} in {time.perf_counter() - started:.1f}s)", flush=True)
    return Cohort.objects.get(pk=cohort_id)


async def _endpoint_and_reference(
    url: str,
    cohort_id: int,
    token: str,
    query: str = "",
    members: int = MEMBERS,
    repeat: int = JSON_REPEAT,
) -> tuple[list, list, list]:
    """Seconds per participation request, per direct read of the counter rows, and per
    request for the same rows to the minimal HTTP route, taken in turn so all three see the
    same machine."""
    import httpx
    import psycopg

    from tests.bench.common import admin_conninfo
    from tests.bench.reference_asgi import REFERENCE_HTTP_PREFIX

    path = f"/api/v1/cohorts/{cohort_id}/participation{query}"
    floor_path = f"{REFERENCE_HTTP_PREFIX}{cohort_id}"
    headers = {"Authorization": f"Bearer {token}"}
    endpoint, reference, over_http = [], [], []
    async with (
        httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client,
        await psycopg.AsyncConnection.connect(admin_conninfo(), autocommit=True) as db,
    ):

        async def read_rows() -> list:
            cursor = await db.execute(COUNTER_ROWS, [cohort_id])
            return await cursor.fetchall()

        for _ in range(3):
            response = await client.get(path)
            response.raise_for_status()
            rows = await read_rows()
            floor = await client.get(floor_path)
            floor.raise_for_status()
        if not query or "limit" in query or "all" in query:
            assert len(response.json()["members"]) == members == len(rows) == len(floor.json())
            assert response.json()["next"] is None
        for _ in range(repeat):
            start = time.perf_counter()
            (await client.get(path)).raise_for_status()
            endpoint.append(time.perf_counter() - start)
            start = time.perf_counter()
            await read_rows()
            reference.append(time.perf_counter() - start)
            start = time.perf_counter()
            (await client.get(floor_path)).raise_for_status()
            over_http.append(time.perf_counter() - start)
    return endpoint, reference, over_http


def _in_process(cohort_id: int, token: str, repeat: int = JSON_REPEAT) -> tuple[list, list]:
    """Seconds per participation request through Django's whole request handling in this
    process (middleware, the bearer token, the view; no socket, no HTTP client), and per
    direct read of the counter rows, in turn."""
    import psycopg
    from django.test import Client

    from tests.bench.common import admin_conninfo

    client = Client(headers={"Authorization": f"Bearer {token}"})
    path = f"/api/v1/cohorts/{cohort_id}/participation"
    endpoint, reference = [], []
    with psycopg.connect(admin_conninfo(), autocommit=True) as db:
        for n in range(repeat + 3):
            start = time.perf_counter()
            response = client.get(path)
            took = time.perf_counter() - start
            assert response.status_code == 200, response.content[:200]
            start = time.perf_counter()
            db.execute(COUNTER_ROWS, [cohort_id]).fetchall()
            if n >= 3:  # warmed up
                endpoint.append(took)
                reference.append(time.perf_counter() - start)
    return endpoint, reference


def _report_both(name: str, samples: list, reference: list, over_http: list, rows: str) -> None:
    report(
        name,
        median(samples),
        median(reference),
        reference_name=f"{rows} read straight from the database",
    )
    report(
        name + ", like for like over HTTP",
        median(samples),
        median(over_http),
        reference_name=f"{rows} served by one raw query from a minimal ASGI route",
    )


def _query_count(cohort, tutor) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(tutor)
    path = f"/api/v1/cohorts/{cohort.pk}/participation"
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:200]
    return len(queries)


async def _live_latencies(url: str, cohort_id: int, tutor_token: str, members) -> tuple:
    """(latencies to each tutor socket, the read requests' own round trips), in seconds.

    ``members``: (user_id, token, thread_id) of members who have not read that thread yet, so
    each request is a first read that changes their row.
    """
    import httpx
    import websockets

    ws = url.replace("http://", "ws://")
    idle: list = []
    semaphore = asyncio.Semaphore(50)

    async def open_idle(token: str) -> None:
        async with semaphore:
            socket = await websockets.connect(
                f"{ws}/ws/notifications/",
                additional_headers={"Authorization": f"Bearer {token}"},
                open_timeout=30,
            )
            assert json.loads(await socket.recv())["type"] == "ready"
            idle.append(socket)

    started = time.perf_counter()
    await asyncio.gather(*(open_idle(token) for _, token, _ in members))
    print(
        f"(opened {len(idle)} idle member sockets in {time.perf_counter() - started:.1f}s)",
        flush=True,
    )
    tutors = []
    for _ in range(TUTOR_SOCKETS):
        socket = await websockets.connect(
            f"{ws}/ws/cohorts/{cohort_id}/dashboard/",
            additional_headers={"Authorization": f"Bearer {tutor_token}"},
        )
        assert json.loads(await socket.recv())["type"] == "ready"
        tutors.append(socket)

    latencies: list[float] = []
    round_trips: list[float] = []
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for user_id, token, thread_id in members[:LIVE_EVENTS]:

                async def arrival(socket, user_id=user_id) -> float:
                    while True:
                        message = json.loads(await asyncio.wait_for(socket.recv(), 5))
                        if message.get("member", {}).get("user_id") == user_id:
                            return time.perf_counter()

                waiters = [asyncio.create_task(arrival(s)) for s in tutors]
                start = time.perf_counter()
                response = await client.get(
                    f"/api/v1/threads/{thread_id}",
                    headers={"Authorization": f"Bearer {token}"},
                )
                round_trips.append(time.perf_counter() - start)
                response.raise_for_status()
                for arrived in await asyncio.gather(*waiters):
                    latencies.append(arrived - start)
    finally:
        for socket in tutors + idle:
            await socket.close()
    return latencies, round_trips


def _ensure_week_buckets(cohort) -> None:
    """The alerts read weekly read buckets; a cohort seeded before they existed gets them
    rebuilt from its read events once."""
    from mentoring.models import MemberWeek
    from mentoring.participation.services.counters import rebuild_counters

    if not MemberWeek.objects.filter(membership__cohort=cohort).exists():
        rebuild_counters(cohort_ids=[cohort.pk])


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    setup_django()
    from django.db import transaction

    from mentoring.accounts.services.tokens import create_api_token
    from mentoring.boards.services.posts import create_thread
    from mentoring.models import Board, Membership, User
    from tests.conftest import ServerProcess

    cohort = _scale_cohort()
    tutor = User.objects.get(username="tutor")
    tutor_token = create_api_token(user=tutor, name="bench")

    _ensure_week_buckets(cohort)
    json_only = "--json-only" in sys.argv
    print(f"(load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})", flush=True)
    server = ServerProcess({"DATABASE_URL": os.environ["BENCH_DATABASE_URL"]}, app=REFERENCE_APP)
    try:
        samples, reference, over_http = asyncio.run(
            _endpoint_and_reference(server.url, cohort.pk, tutor_token)
        )
        endpoint = median(samples)
        _report_both(
            f"participation JSON, {MEMBERS} members, {READS:,} read events, end to end (median)",
            samples,
            reference,
            over_http,
            "the same counter rows",
        )
        inside, inside_reference = _in_process(cohort.pk, tutor_token)
        report(
            f"participation JSON, {MEMBERS} members, in-process (Django's whole request: "
            "middleware, token, view; no socket) (median)",
            median(inside),
            median(inside_reference),
            reference_name="the same counter rows read straight from the database",
        )
        if not json_only:
            # Every row carries its alerts; filtering by one is the dashboard's "went quiet".
            alerted, alerted_reference, _ = asyncio.run(
                _endpoint_and_reference(
                    server.url, cohort.pk, tutor_token, "?alert=reading_declined"
                )
            )
            report(
                f"participation JSON filtered by an alert, {MEMBERS} members (median)",
                median(alerted),
                median(alerted_reference),
                reference_name="the same counter rows read straight from the database",
            )
        large = scale_cohorts(LARGE).first()
        if large is None:
            print(f"(no {LARGE:,}-member cohort: run bench_seed first for that figure)")
        else:
            _ensure_week_buckets(large)
            whole, whole_reference, whole_http = asyncio.run(
                _endpoint_and_reference(
                    server.url,
                    large.pk,
                    tutor_token,
                    "?all=true",
                    members=LARGE,
                    repeat=LARGE_REPEAT,
                )
            )
            _report_both(
                f"participation JSON, all {LARGE:,} members in one streamed response (median)",
                whole,
                whole_reference,
                whole_http,
                "all their counter rows",
            )
        print(
            f"participation JSON p95 {percentile(samples, 0.95) * 1000:.1f} ms; "
            f"target < {TARGET_SECONDS * 1000:.0f} ms median: "
            f"{'met' if endpoint < TARGET_SECONDS else 'NOT met'}",
            flush=True,
        )
        print(f"(load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})", flush=True)
        if json_only:
            return

        small = _small_cohort(tutor)
        large_queries, small_queries = _query_count(cohort, tutor), _query_count(small, tutor)
        print(
            f"participation JSON queries: {large_queries} for {MEMBERS} members vs "
            f"{small_queries} for 3 members → ratio {large_queries / small_queries:.2f} "
            "(1.00: does not grow with the cohort)",
            flush=True,
        )

        # A fresh thread each run, so every read below is a member's first read of it.
        board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
        with transaction.atomic():
            thread = create_thread(
                board=board, author=tutor, title="Bench: live thread", body="Read me."
            )
        member_ids = list(
            Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER)
            .order_by("pk")
            .values_list("user_id", flat=True)
        )
        users = User.objects.in_bulk(member_ids)
        members = [
            (uid, create_api_token(user=users[uid], name="bench"), thread.pk) for uid in member_ids
        ]
        latencies, round_trips = asyncio.run(
            _live_latencies(server.url, cohort.pk, tutor_token, members)
        )
    finally:
        server.stop()
    assert len(latencies) == LIVE_EVENTS * TUTOR_SOCKETS
    trip = median(round_trips)
    report(
        f"live member.updated p50 ({MEMBERS} idle sockets, {TUTOR_SOCKETS} tutors)",
        percentile(latencies, 0.5),
        trip,
        reference_name="the read request's round trip (median)",
    )
    report(
        f"live member.updated p95 ({MEMBERS} idle sockets, {TUTOR_SOCKETS} tutors)",
        percentile(latencies, 0.95),
        trip,
        reference_name="the read request's round trip (median)",
    )


def _small_cohort(tutor):
    from tests.factories import UserFactory, make_cohort

    stamp = time.monotonic_ns()
    return make_cohort(
        name=f"Bench small {stamp}",
        tutors=[tutor],
        members=[UserFactory(username=f"bench_small_{stamp}_{i}") for i in range(3)],
    )


if __name__ == "__main__":
    main()
