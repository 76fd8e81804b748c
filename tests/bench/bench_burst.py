"""The live burst of issue 12, end to end: on one uvicorn process (in-memory channel layer),
then on two workers sharing one Redis (channels-redis).

1,100 member sockets on one thread (``/ws/threads/{id}/``, in a separate client process so the
timing loop is not starved) and a tutor's dashboard socket; members post to that thread over
HTTP at 5 posts/s for 30 s, with realistic 80–120-word bodies. With two workers the sockets,
the posts and the reference requests alternate between them and the dashboard socket is on the
second one, so every post reaches half of the sockets and the dashboard through Redis.
Measured:

- lost deliveries: every socket must have seen every post's seq, after each socket that missed
  any reconnects once with ``?since=`` (the catch-up of docs/api.md); the figure is what is still
  missing after that (target 0), and how many deliveries needed the catch-up;
- posting p95 (the POST's round trip) and dashboard ``member.updated`` p95 from the write (the
  POST's start), each against a plain HTTP round trip (``GET /api/v1/me``) sent alternately
  with the posts in the same run, and against the same posting with no socket open.

Every loop is bounded (timeouts everywhere) and every connection goes to 127.0.0.1.
``run_burst`` is reused by ``bench_capacity`` to find what one process holds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import random
import time
from dataclasses import dataclass, field

from tests.bench.common import percentile, report, scale_cohorts, setup_django

SOCKETS = 1100
RATE = 5.0  # posts per second
SECONDS = 30
QUIET_SECONDS = 10  # the reference phase with no socket open
SETTLE_SECONDS = 20
TARGET_P95 = 1.0
SOCKETS_PER_LISTENER = 5000  # above this the client side gets a second process


@dataclass(frozen=True)
class Burst:
    """One run: how many sockets on the thread, how many posts a second for how long, on how
    many uvicorn workers (more than one: on a Redis of the run's own)."""

    sockets: int = SOCKETS
    rate: float = RATE
    seconds: int = SECONDS
    workers: int = 1

    @property
    def label(self) -> str:
        on = "one process" if self.workers == 1 else f"{self.workers} workers on Redis"
        return f"({self.sockets:,} sockets, {self.rate:g} posts/s for {self.seconds}s, {on})"


@dataclass
class Outcome:
    burst: Burst
    opened_seconds: float
    expected: int
    live: int
    recovered: int
    missing: int
    posted: int
    updates_lost: int
    failures: list[str]
    posts: list[float]
    plain: list[float]
    updates: list[float]
    quiet_posts: list[float] = field(default_factory=list)

    @property
    def posting_p95(self) -> float:
        return percentile(self.posts, 0.95) if self.posts else float("inf")

    @property
    def update_p95(self) -> float:
        return percentile(self.updates, 0.95) if self.updates else float("inf")

    @property
    def met(self) -> bool:
        return (
            self.missing == 0
            and not self.failures
            and self.updates_lost == 0
            and self.posting_p95 < TARGET_P95
            and self.update_p95 < TARGET_P95
        )


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
def _listen(urls: list[str], thread_id: int, tokens: list[str], conn) -> None:
    """Open every socket (socket i on worker i mod N), count distinct seqs until told to stop,
    catch up with ?since=, and report (deliveries live, by catch-up, still missing)."""
    asyncio.run(_listen_async(urls, thread_id, tokens, conn))


async def _listen_async(urls, thread_id, tokens, conn) -> None:
    import websockets

    def ws_url(i: int) -> str:
        url = urls[i % len(urls)]
        return url.replace("http://", "ws://") + f"/ws/threads/{thread_id}/"

    seen: list[set[int]] = [set() for _ in tokens]
    starts: list[int] = [0] * len(tokens)
    semaphore = asyncio.Semaphore(50)
    sockets: list = [None] * len(tokens)

    async def open_one(i: int, token: str) -> None:
        async with semaphore:
            socket = await websockets.connect(
                ws_url(i),
                additional_headers={"Authorization": f"Bearer {token}"},
                open_timeout=60,
                max_queue=None,
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
                f"{ws_url(i)}?since={last}",
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
    urls: list[str],
    posters: list[tuple[int, str, int]],
    tutor_token: str,
    cohort_id: int,
    *,
    rate: float,
    seconds: float,
    dashboard: bool,
) -> dict:
    """Post at ``rate`` for ``seconds``, alternating with a plain GET (post n and its GET on
    worker n mod N); with ``dashboard``, time each post's member.updated on a tutor's
    dashboard socket on the last worker."""
    import httpx
    import websockets

    rng = random.Random(seconds)
    post_times: list[float] = []
    plain_times: list[float] = []
    failures: list[str] = []
    wrote_at: dict[int, float] = {}
    arrived_at: dict[int, float] = {}
    count = int(seconds * rate)
    socket = None
    listener = None
    if dashboard:
        socket = await websockets.connect(
            urls[-1].replace("http://", "ws://") + f"/ws/cohorts/{cohort_id}/dashboard/",
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
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        me_headers = {"Authorization": f"Bearer {tutor_token}"}
        for url in urls:
            (await client.get(f"{url}/api/v1/me", headers=me_headers)).raise_for_status()

        async def one_post(url: str, user_id: int, token: str, thread_id: int) -> None:
            start = time.perf_counter()
            wrote_at[user_id] = start
            try:
                response = await client.post(
                    f"{url}/api/v1/threads/{thread_id}/posts",
                    json={"body": body(rng)},
                    headers={"Authorization": f"Bearer {token}"},
                )
                response.raise_for_status()
            except httpx.HTTPError as exc:
                failures.append(repr(exc))
                del wrote_at[user_id]
                return
            post_times.append(time.perf_counter() - start)

        async def one_plain(url: str) -> None:
            start = time.perf_counter()
            try:
                (await client.get(f"{url}/api/v1/me", headers=me_headers)).raise_for_status()
            except httpx.HTTPError as exc:
                failures.append(repr(exc))
                return
            plain_times.append(time.perf_counter() - start)

        tasks = []
        begin = time.perf_counter()
        for n in range(count):
            url = urls[n % len(urls)]
            await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
            user_id, token, thread_id = posters[n]
            tasks.append(asyncio.create_task(one_post(url, user_id, token, thread_id)))
            # The reference, alternately: half a period later, a plain authenticated GET.
            await asyncio.sleep(max(0.0, begin + (n + 0.5) / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one_plain(url)))
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
    from mentoring.accounts.services.tokens import create_api_token
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

    from mentoring.models import Cohort

    found = scale_cohorts(SOCKETS).first()
    if found is not None:
        return found
    out = io.StringIO()
    call_command("seed_scale", members=SOCKETS, posts=SOCKETS, reads=SOCKETS, stdout=out)
    return Cohort.objects.get(pk=int(out.getvalue().strip().splitlines()[-1]))


def _start_servers(workers: int):
    """``workers`` uvicorn processes on the bench database, and the Redis they share (or
    None for one process, which uses the in-memory layer)."""
    from tests.conftest import RedisServer, ServerProcess

    env = {
        "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
        # One compression context per socket would compress every event once per socket
        # (uvicorn's default): the production units set the same (docs/operations.md, "Running with
        # Redis and several workers").
        "UVICORN_WS_PER_MESSAGE_DEFLATE": "false",
    }
    redis = None
    if workers > 1:
        redis = RedisServer()
        redis.start()
        env["REDIS_URL"] = redis.url
    servers = []
    try:
        for _ in range(workers):
            servers.append(ServerProcess(env))
    except Exception:
        for server in servers:
            server.stop()
        if redis is not None:
            redis.stop()
        raise
    return servers, redis


def run_burst(burst: Burst, *, reference: bool = True) -> Outcome:
    """Open the sockets, post, catch up, and count: one ``Burst`` end to end. With
    ``reference``, first the same posting with no socket open (the quiet reference)."""
    from django.db import transaction

    from mentoring.accounts.services.tokens import create_api_token
    from mentoring.boards.events import thread_group
    from mentoring.boards.services.posts import create_thread
    from mentoring.models import Board, LiveStream, User

    cohort = _cohort()
    tutor = User.objects.get(username="tutor")
    tutor_token = create_api_token(user=tutor, name="bench burst")
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    with transaction.atomic():
        thread = create_thread(board=board, author=tutor, title="Bench: burst", body="Go.")
        quiet = create_thread(board=board, author=tutor, title="Bench: quiet", body="Go.")
    people = _people(cohort, SOCKETS)
    posts = int(burst.seconds * burst.rate)
    quiet_posts = int(QUIET_SECONDS * burst.rate) if reference else 0
    if posts + quiet_posts > len(people):
        raise ValueError(f"{posts + quiet_posts} posts need as many members; {len(people)}")
    # Each post by a different member, so each one changes a different dashboard row.
    burst_posters = [(uid, token, thread.pk) for uid, token in people[:posts]]
    quiet_posters = [(uid, token, quiet.pk) for uid, token in people[posts : posts + quiet_posts]]
    # More sockets than members: the members' tokens again (a member with several tabs open).
    tokens = [people[i % len(people)][1] for i in range(burst.sockets)]
    shares = max(1, -(-burst.sockets // SOCKETS_PER_LISTENER))

    servers, redis = _start_servers(burst.workers)
    urls = [server.url for server in servers]
    context = multiprocessing.get_context("spawn")
    pipes, listeners = [], []
    for share in range(shares):
        parent, child = context.Pipe()
        pipes.append(parent)
        listeners.append(
            context.Process(target=_listen, args=(urls, thread.pk, tokens[share::shares], child))
        )
    quiet_run = None
    try:
        if reference:
            quiet_run = asyncio.run(
                _burst(
                    urls,
                    quiet_posters,
                    tutor_token,
                    cohort.pk,
                    rate=burst.rate,
                    seconds=QUIET_SECONDS,
                    dashboard=False,
                )
            )
        for listener in listeners:
            listener.start()
        opened = 0.0
        for parent in pipes:
            if not parent.poll(900):
                raise RuntimeError("the sockets did not open within 900 s")
            opened = max(opened, parent.recv()[1])
        print(f"(opened {burst.sockets:,} sockets on one thread in {opened:.1f}s)", flush=True)
        run = asyncio.run(
            _burst(
                urls,
                burst_posters,
                tutor_token,
                cohort.pk,
                rate=burst.rate,
                seconds=burst.seconds,
                dashboard=True,
            )
        )
        time.sleep(3)  # let the last deliveries land before the sockets close
        final = LiveStream.objects.get(name=thread_group(thread.pk)).seq
        totals = [0, 0, 0, 0]
        for parent in pipes:
            parent.send(final)
        for parent in pipes:
            if not parent.poll(600):
                raise RuntimeError("the catch-up did not finish within 600 s")
            _, *counts = parent.recv()
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
    finally:
        for listener in listeners:
            listener.join(timeout=60)
            if listener.is_alive():
                listener.terminate()
        for server in servers:
            server.stop()
        if redis is not None:
            redis.stop()
    live, recovered, missing, expected = totals
    return Outcome(
        burst=burst,
        opened_seconds=opened,
        expected=expected,
        live=live,
        recovered=recovered,
        missing=missing,
        posted=run["posted"],
        updates_lost=run["updates_lost"],
        failures=run["failures"],
        posts=run["posts"],
        plain=run["plain"],
        updates=run["updates"],
        quiet_posts=quiet_run["posts"] if quiet_run else [],
    )


def print_outcome(outcome: Outcome) -> None:
    label = outcome.burst.label
    print(
        f"burst deliveries {label}: {outcome.expected:,} expected, {outcome.live:,} live, "
        f"{outcome.recovered:,} by ?since= catch-up, {outcome.missing:,} lost (target 0); "
        f"dashboard updates lost: {outcome.updates_lost} of {outcome.posted}; "
        f"failed requests: {len(outcome.failures)}",
        flush=True,
    )
    plain95 = percentile(outcome.plain, 0.95)
    report(
        f"burst posting p95 {label}",
        outcome.posting_p95,
        plain95,
        reference_name="plain GET /api/v1/me p95, alternating",
    )
    if outcome.quiet_posts:
        report(
            f"burst posting p95 {label}",
            outcome.posting_p95,
            percentile(outcome.quiet_posts, 0.95),
            reference_name="posting p95 with no socket open",
        )
    report(
        f"burst dashboard member.updated p95 from the write {label}",
        outcome.update_p95,
        plain95,
        reference_name="plain GET /api/v1/me p95, alternating",
    )
    print(
        f"burst targets {label} (0 lost, p95s under {TARGET_P95:.0f} s): "
        f"{'met' if outcome.met else 'NOT met'}",
        flush=True,
    )


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    setup_django()
    for workers in (1, 2):
        print_outcome(run_burst(Burst(workers=workers)))


if __name__ == "__main__":
    main()
