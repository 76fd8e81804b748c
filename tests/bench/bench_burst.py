"""The live burst of issue 12, end to end on one uvicorn process (in-memory channel layer).

1,100 member sockets on one thread (``/ws/threads/{id}/``, in a separate client process so the
timing loop is not starved) and a tutor's dashboard socket; members post to that thread over
HTTP at 5 posts/s for 30 s, with realistic 80–120-word bodies. Measured:

- lost deliveries: every socket must have seen every post's seq, after each socket that missed
  any reconnects once with ``?since=`` (the contract's catch-up); the figure is what is still
  missing after that (target 0), and how many deliveries needed the catch-up;
- posting p95 (the POST's round trip) and dashboard ``member.updated`` p95 from the write (the
  POST's start), each against a plain HTTP round trip (``GET /api/v1/me``) sent alternately
  with the posts in the same run, and against the same posting with no socket open.

Every loop is bounded (timeouts everywhere) and every connection goes to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import random
import time

from tests.bench.common import percentile, report, setup_django

SOCKETS = 1100
RATE = 5.0  # posts per second
SECONDS = 30
QUIET_SECONDS = 10  # the reference phase with no socket open
SETTLE_SECONDS = 20
TARGET_P95 = 1.0

WORDS = [
    "pupils",
    "lesson",
    "behaviour",
    "starter",
    "plenary",
    "feedback",
    "marking",
    "questioning",
    "routine",
    "seating",
    "explain",
    "model",
    "practise",
    "review",
    "scaffold",
    "challenge",
    "differentiate",
    "assess",
    "mentor",
    "observe",
    "reflect",
    "adapt",
    "group",
    "pair",
    "discuss",
    "evidence",
    "target",
    "progress",
    "support",
    "expectation",
]


def body(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 120))) + "."


# --- The idle sockets (a client process of their own) ---------------------------------------
def _listen(url: str, thread_id: int, tokens: list[str], expected: int, conn) -> None:
    """Open every socket, count distinct seqs until told to stop, catch up with ?since=, and
    report (sockets opened, deliveries live, deliveries by catch-up, still missing)."""
    asyncio.run(_listen_async(url, thread_id, tokens, expected, conn))


async def _listen_async(url, thread_id, tokens, expected, conn) -> None:
    import websockets

    ws = url.replace("http://", "ws://") + f"/ws/threads/{thread_id}/"
    seen: list[set[int]] = [set() for _ in tokens]
    starts: list[int] = [0] * len(tokens)
    semaphore = asyncio.Semaphore(50)
    sockets: list = [None] * len(tokens)

    async def open_one(i: int, token: str) -> None:
        async with semaphore:
            socket = await websockets.connect(
                ws, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=60
            )
            starts[i] = json.loads(await socket.recv())["seq"]
            sockets[i] = socket

    async def read(i: int) -> None:
        try:
            async for text in sockets[i]:
                at = text.find('"seq":')
                if at >= 0:
                    seen[i].add(int(text[at + 6 : text.index(",", at)]))
        except Exception:
            pass  # closed: the catch-up below finds what it missed

    started = time.perf_counter()
    await asyncio.gather(*(open_one(i, t) for i, t in enumerate(tokens)))
    conn.send(("open", time.perf_counter() - started))
    readers = [asyncio.create_task(read(i)) for i in range(len(tokens))]
    final = await asyncio.to_thread(conn.recv)  # the burst is over: the thread's last seq
    for socket in sockets:
        await socket.close()
    await asyncio.gather(*readers, return_exceptions=True)
    live = sum(len(s) for s in seen)

    async def catch_up(i: int) -> int:
        want = set(range(starts[i] + 1, final + 1))
        if want <= seen[i]:
            return 0
        last = starts[i]
        while last + 1 in seen[i]:
            last += 1
        async with (
            semaphore,
            websockets.connect(
                f"{ws}?since={last}",
                additional_headers={"Authorization": f"Bearer {tokens[i]}"},
                open_timeout=60,
            ) as socket,
        ):
            await socket.recv()  # ready
            before = len(seen[i])
            try:
                while not want <= seen[i]:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 30))
                    seen[i].add(message["seq"])
            except (TimeoutError, websockets.ConnectionClosed):
                pass  # what is still missing counts as lost
            return len(seen[i]) - before

    recovered = sum(await asyncio.gather(*(catch_up(i) for i in range(len(tokens)))))
    missing = sum(len(set(range(starts[i] + 1, final + 1)) - seen[i]) for i in range(len(tokens)))
    wanted = sum(max(0, final - start) for start in starts)
    conn.send(("done", live, recovered, missing, wanted))


# --- The posting side ------------------------------------------------------------------------
async def _burst(
    url: str,
    posters: list[tuple[int, str]],
    tutor_token: str,
    cohort_id: int,
    *,
    seconds: float,
    dashboard: bool,
) -> dict:
    """Post at RATE for ``seconds``, alternating with a plain GET; with ``dashboard``, time each
    post's member.updated on a tutor's dashboard socket."""
    import httpx
    import websockets

    rng = random.Random(seconds)
    post_times: list[float] = []
    plain_times: list[float] = []
    failures: list[str] = []
    wrote_at: dict[int, float] = {}
    arrived_at: dict[int, float] = {}
    count = int(seconds * RATE)
    socket = None
    listener = None
    if dashboard:
        socket = await websockets.connect(
            url.replace("http://", "ws://") + f"/ws/cohorts/{cohort_id}/dashboard/",
            additional_headers={"Authorization": f"Bearer {tutor_token}"},
        )
        json.loads(await socket.recv())

        async def listen() -> None:
            async for text in socket:
                message = json.loads(text)
                if message.get("type") == "member.updated":
                    arrived_at.setdefault(message["member"]["user_id"], time.perf_counter())

        listener = asyncio.create_task(listen())

    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        me_headers = {"Authorization": f"Bearer {tutor_token}"}
        (await client.get("/api/v1/me", headers=me_headers)).raise_for_status()

        async def one_post(user_id: int, token: str, thread_id: int) -> None:
            start = time.perf_counter()
            wrote_at[user_id] = start
            try:
                response = await client.post(
                    f"/api/v1/threads/{thread_id}/posts",
                    json={"body": body(rng)},
                    headers={"Authorization": f"Bearer {token}"},
                )
                response.raise_for_status()
            except httpx.HTTPError as exc:
                failures.append(repr(exc))
                del wrote_at[user_id]
                return
            post_times.append(time.perf_counter() - start)

        async def one_plain() -> None:
            start = time.perf_counter()
            try:
                (await client.get("/api/v1/me", headers=me_headers)).raise_for_status()
            except httpx.HTTPError as exc:
                failures.append(repr(exc))
                return
            plain_times.append(time.perf_counter() - start)

        tasks = []
        begin = time.perf_counter()
        for n in range(count):
            await asyncio.sleep(max(0.0, begin + n / RATE - time.perf_counter()))
            user_id, token, thread_id = posters[n]
            tasks.append(asyncio.create_task(one_post(user_id, token, thread_id)))
            # The reference, alternately: half a period later, a plain authenticated GET.
            await asyncio.sleep(max(0.0, begin + (n + 0.5) / RATE - time.perf_counter()))
            tasks.append(asyncio.create_task(one_plain()))
        await asyncio.wait_for(asyncio.gather(*tasks), 300)

    if dashboard:
        deadline = time.perf_counter() + SETTLE_SECONDS
        while len(arrived_at) < count and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        listener.cancel()
        await socket.close()
    updates = [arrived_at[u] - wrote_at[u] for u in wrote_at if u in arrived_at]
    return {
        "posts": post_times,
        "plain": plain_times,
        "updates": updates,
        "updates_lost": len(wrote_at) - len(updates) if dashboard else 0,
        "failures": failures,
        "posted": len(post_times),
    }


def _people(cohort, count: int):
    from mentoring.accounts.tokens import create_api_token
    from mentoring.models import Membership, User

    ids = list(
        Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER)
        .order_by("pk")
        .values_list("user_id", flat=True)[:count]
    )
    users = User.objects.in_bulk(ids)
    return [(uid, create_api_token(user=users[uid], name="bench burst")) for uid in ids]


def _cohort():
    """A 1,100-member cohort: one an earlier bench seeded, else a light ``seed_scale``."""
    import io

    from django.core.management import call_command
    from django.db.models import Count, Q

    from mentoring.models import Cohort

    found = (
        Cohort.objects.filter(name__startswith="Scale cohort")
        .annotate(n=Count("memberships", filter=Q(memberships__role="member")))
        .filter(n=SOCKETS)
        .order_by("-pk")
        .first()
    )
    if found is not None:
        return found
    out = io.StringIO()
    call_command("seed_scale", members=SOCKETS, posts=SOCKETS, reads=SOCKETS, stdout=out)
    return Cohort.objects.get(pk=int(out.getvalue().strip().splitlines()[-1]))


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    setup_django()
    from django.db import transaction

    from mentoring.accounts.tokens import create_api_token
    from mentoring.boards.posts import create_thread
    from mentoring.models import Board, User
    from tests.conftest import ServerProcess

    cohort = _cohort()
    tutor = User.objects.get(username="tutor")
    tutor_token = create_api_token(user=tutor, name="bench burst")
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    with transaction.atomic():
        thread = create_thread(board=board, author=tutor, title="Bench: burst", body="Go.")
        quiet = create_thread(board=board, author=tutor, title="Bench: quiet", body="Go.")
    people = _people(cohort, SOCKETS)
    posts = int(SECONDS * RATE)
    quiet_posts = int(QUIET_SECONDS * RATE)
    # Each post by a different member, so each one changes a different dashboard row.
    burst_posters = [(uid, token, thread.pk) for uid, token in people[:posts]]
    quiet_posters = [(uid, token, quiet.pk) for uid, token in people[posts : posts + quiet_posts]]

    # One compression context per socket would compress every event once per socket (uvicorn's
    # default): the production units set the same (README, "Running with several workers").
    server = ServerProcess(
        {
            "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
            "UVICORN_WS_PER_MESSAGE_DEFLATE": "false",
        }
    )
    parent, child = multiprocessing.Pipe()
    listener = multiprocessing.get_context("spawn").Process(
        target=_listen, args=(server.url, thread.pk, [t for _, t in people], posts, child)
    )
    try:
        # The reference with no socket open: the same posting on another thread.
        quiet_run = asyncio.run(
            _burst(
                server.url,
                quiet_posters,
                tutor_token,
                cohort.pk,
                seconds=QUIET_SECONDS,
                dashboard=False,
            )
        )
        listener.start()
        if not parent.poll(300):
            raise RuntimeError("the sockets did not open within 300 s")
        _, opened = parent.recv()
        print(f"(opened {SOCKETS} sockets on one thread in {opened:.1f}s)", flush=True)
        run = asyncio.run(
            _burst(
                server.url, burst_posters, tutor_token, cohort.pk, seconds=SECONDS, dashboard=True
            )
        )
        time.sleep(3)  # let the last deliveries land before the sockets close
        from mentoring.models import LiveStream
        from mentoring.realtime.events import thread_group

        final = LiveStream.objects.get(name=thread_group(thread.pk)).seq
        parent.send(final)
        if not parent.poll(300):
            raise RuntimeError("the catch-up did not finish within 300 s")
        _, live, recovered, missing, expected = parent.recv()
    finally:
        listener.join(timeout=30)
        if listener.is_alive():
            listener.terminate()
        server.stop()

    print(
        f"burst deliveries: {expected} expected, {live} live, {recovered} by ?since= catch-up, "
        f"{missing} lost (target 0); dashboard updates lost: {run['updates_lost']} of "
        f"{run['posted']}; failed requests: {len(run['failures'])}",
        flush=True,
    )
    plain95 = percentile(run["plain"], 0.95)
    label = f"({SOCKETS} sockets, {RATE:g} posts/s for {SECONDS}s)"
    report(
        f"burst posting p95 {label}",
        percentile(run["posts"], 0.95),
        plain95,
        reference_name="plain GET /api/v1/me p95, alternating",
    )
    report(
        f"burst posting p95 {label}",
        percentile(run["posts"], 0.95),
        percentile(quiet_run["posts"], 0.95),
        reference_name="posting p95 with no socket open",
    )
    if run["updates"]:
        update95 = percentile(run["updates"], 0.95)
        report(
            f"burst dashboard member.updated p95 from the write {label}",
            update95,
            plain95,
            reference_name="plain GET /api/v1/me p95, alternating",
        )
    else:
        update95 = float("inf")
    met = (
        missing == 0
        and not run["failures"]
        and run["updates_lost"] == 0
        and percentile(run["posts"], 0.95) < TARGET_P95
        and update95 < TARGET_P95
    )
    print(
        f"burst targets (0 lost, p95s under {TARGET_P95:.0f} s): {'met' if met else 'NOT met'}",
        flush=True,
    )


if __name__ == "__main__":
    main()
