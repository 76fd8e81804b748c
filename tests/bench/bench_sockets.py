"""What a crowd of sockets costs one process, each figure beside its like-for-like reference
measured alternately in the same run (issue 24):

1. Admission: sockets opened per second on a thread (``/ws/threads/{id}/``, bearer tokens, 50
   handshakes in flight), against a plain Channels consumer doing the same authentication and
   the same permission check in the same server (``tests/bench/reference_asgi.py``), the two
   alternating round by round.
2. Delivery latency to every socket: a post over HTTP to a thread with all the sockets on it;
   from the POST's start to each socket's frame, p50/p95/max over every socket and post (10
   posts), against the floor: a bare ASGI broadcast server (``tests/bench/delivery_floor_asgi.py``,
   no Django, no hub: one loop of sends) in a uvicorn process of its own, started as Staffroom's
   is, holding the same number of sockets for a client process of its own that runs the same
   client code, and triggered by a POST with the same body to write one frame of the live post
   frame's size (measured: the first socket's frame) to every socket. The two alternate post by
   post (who goes first alternating; a first pair warms both up, not counted), each waiting
   until every socket has its frame; timed the same way. Beside the POST's own round trip too.
   The client reads every frame in Python on the same 2 cores: the floor shows what that alone
   costs. Its collector is off while its sockets are open: with 10,000 open, a full collection
   of the client took 450–620 ms, each landing on the tail of one post, ours or the floor's.
3. Memory: the server's RSS (``/proc``) after each of three rounds of SOCKETS sockets opened
   and closed, against its size after the first round (target: within 20%), on a fresh server
   that serves only Staffroom's sockets, with ``PYTHONMALLOC=malloc`` as deployed.
4. A reconnect storm: the server restarts while every socket is open, posts are made while it
   is down, and every socket reconnects with ``?since=``; the time until the last one has
   everything it missed (target: under a minute, nothing lost), beside the same sockets
   reconnecting to the plain consumer (no catch-up to do).

``SOCKETS_BENCH_N`` sets how many sockets (default 10,000; the client side, in a process of its
own, shares the machine's cores with the server). ``SOCKETS_BENCH_PROFILE=out.svg`` records the
server under the reconnect storm with py-spy, ``SOCKETS_BENCH_DELIVERY_PROFILE=out.svg`` (or
``.txt``: collapsed stacks) under the delivery posts (``--gil``: what holds the interpreter; a
run to profile, not to measure); ``SOCKETS_BENCH_CLIENT_GC=on`` leaves the client's collector
on; ``SOCKETS_BENCH_PHASES=delivery`` (or ``admission``, ``memory``, ``storm``,
comma-separated; all four by default) runs only those parts. ``SOCKETS_BENCH_LAYER=redis`` runs
the server on channels-redis, as deployed (``REDIS_URL``, so ``config.settings.base``'s
``RedisChannelLayer``), with a redis-server of the bench's own on loopback, started the way
``bench_burst`` starts its workers' (``tests.conftest.RedisServer``): Staffroom's hub and the
plain consumer's groups then both go through Redis. By default (``memory``) the server has
Channels' in-memory layer, whose ``receive`` walks every channel, so the plain consumer slows as
its sockets accumulate.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.bench.common import percentile, report, setup_django

SOCKETS = int(os.environ.get("SOCKETS_BENCH_N", "10000"))
IN_FLIGHT = 50
ROUNDS = 3
LATENCY_POSTS = 10
STORM_POSTS = 20
REFERENCE_APP = "tests.bench.reference_asgi:application"
FLOOR_APP = "tests.bench.delivery_floor_asgi:application"
# After the server has closed every socket: the hub hands memory back RELEASE_DELAY (3 s) after
# the last one left.
RELEASE_WAIT = 5.0
PROFILE = os.environ.get("SOCKETS_BENCH_PROFILE")
DELIVERY_PROFILE = os.environ.get("SOCKETS_BENCH_DELIVERY_PROFILE")
CLIENT_GC = os.environ.get("SOCKETS_BENCH_CLIENT_GC", "freeze")
# Which parts to run (all by default): admission, memory, delivery, storm.
PHASES = os.environ.get("SOCKETS_BENCH_PHASES", "admission,memory,delivery,storm").split(",")
# The server's channel layer: "memory" (Channels' in-memory layer) or "redis" (channels-redis).
LAYER = os.environ.get("SOCKETS_BENCH_LAYER", "memory")
if LAYER not in ("memory", "redis"):
    raise SystemExit(f"SOCKETS_BENCH_LAYER={LAYER!r}: 'memory' or 'redis'")


# --- The client side (a process of its own) --------------------------------------------------
def _client(conn) -> None:
    asyncio.run(_client_async(conn))


async def _client_async(conn) -> None:
    """Serve commands from the bench: open N sockets on a path, wait for frames, close."""
    import gc

    import websockets

    # The client's own full collections (seconds each), reported by "gc": with 10,000 sockets
    # one takes hundreds of ms in the middle of a fan-out, the client's time, not the server's.
    # Unless SOCKETS_BENCH_CLIENT_GC=on, the collector is off while the sockets are open (their
    # objects frozen out of its reach; it is back on once they close).
    pauses: list[float] = []
    began = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                began[0] = time.perf_counter()
            else:
                pauses.append(time.perf_counter() - began[0])

    gc.callbacks.append(on_gc)

    sockets: list = []
    seen: list[dict[int, float]] = []
    readers: list[asyncio.Task] = []
    # The first socket's frames by seq, as received (the size of a live post frame).
    frames: dict[int, str] = {}

    async def read(i: int) -> None:
        try:
            async for text in sockets[i]:
                at = text.find('"seq":')
                if at >= 0:
                    end = min(p for p in (text.find(",", at), text.find("}", at)) if p >= 0)
                    seq = int(text[at + 6 : end])
                    seen[i].setdefault(seq, time.time())
                    if i == 0:
                        frames.setdefault(seq, text)
        except Exception:
            pass

    async def open_all(url: str, tokens: list[str], since: int | None) -> tuple[float, int]:
        semaphore = asyncio.Semaphore(IN_FLIGHT)
        opened = [None] * len(tokens)
        first = [0] * len(tokens)
        failures = 0

        async def one(i: int) -> None:
            nonlocal failures
            target = url if since is None else f"{url}?since={since}"
            async with semaphore:
                for _attempt in range(20):
                    try:
                        socket = await websockets.connect(
                            target,
                            additional_headers={"Authorization": f"Bearer {tokens[i]}"},
                            open_timeout=120,
                            max_queue=None,
                            compression=None,
                        )
                        ready = json.loads(await asyncio.wait_for(socket.recv(), 120))
                        if ready.get("type") != "ready":
                            raise RuntimeError(f"not ready: {ready}")
                        first[i] = ready["seq"]
                        opened[i] = socket
                        return
                    except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosed):
                        await asyncio.sleep(0.2)  # the server is still starting
                failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(len(tokens))))
        elapsed = time.perf_counter() - started
        sockets[:] = opened
        seen[:] = [{} for _ in opened]
        frames.clear()
        readers[:] = [asyncio.create_task(read(i)) for i in range(len(opened)) if opened[i]]
        if CLIENT_GC == "freeze":
            gc.collect()
            gc.freeze()
            gc.disable()
        return elapsed, failures

    async def close_all() -> None:
        gc.unfreeze()
        gc.enable()
        await asyncio.gather(*(s.close() for s in sockets if s is not None), return_exceptions=True)
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    while True:
        command, *args = await asyncio.to_thread(conn.recv)
        if command == "open":
            conn.send(await open_all(*args))
        elif command == "close":
            await close_all()
            conn.send("closed")
        elif command == "wait":  # until every socket has every seq in args, or timeout
            seqs, timeout = args
            deadline = time.perf_counter() + timeout
            want = set(seqs)
            while time.perf_counter() < deadline:
                if all(want <= s.keys() for s in seen):
                    break
                await asyncio.sleep(0.05)
            arrivals = [[s.get(q) for q in seqs] for s in seen]
            conn.send(arrivals)
        elif command == "frame":  # the first socket's frame for a seq (None: not seen)
            conn.send(frames.get(args[0]))
        elif command == "gc":  # the full collections since the last ask
            conn.send(pauses[:])
            pauses.clear()
        elif command == "drop":  # the server went away: forget the sockets
            gc.unfreeze()
            gc.enable()
            sockets.clear()
            for task in readers:
                task.cancel()
            conn.send("dropped")
        elif command == "stop":
            await close_all()
            conn.send("stopped")
            return


class Client:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_client, args=(child,), daemon=True)
        self.process.start()

    def call(self, *command, timeout: float = 900):
        self.conn.send(command)
        if not self.conn.poll(timeout):
            raise RuntimeError(f"the client did not answer {command[0]} within {timeout} s")
        return self.conn.recv()

    def stop(self) -> None:
        try:
            self.call("stop", timeout=120)
        finally:
            self.process.join(timeout=10)
            if self.process.is_alive():
                self.process.terminate()


# --- The server side -------------------------------------------------------------------------
def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def settle(
    pid: int, files: int, timeout: float = 120, layer_files: Callable[[], int] = lambda: 0
) -> tuple[float, float]:
    """Wait until the server has closed the sockets (its open files back near ``files``, not
    counting ``layer_files()``, its connections to the channel layer's Redis), then for the
    hub's release: (seconds until closed, the most RSS seen meanwhile, MB). The client's closes
    return before the server has handled them all; reading RSS then measured a server still
    busy closing."""
    start, most = time.perf_counter(), rss_mb(pid)
    while open_files(pid) - layer_files() > files + 20 and time.perf_counter() - start < timeout:
        most = max(most, rss_mb(pid))
        time.sleep(0.25)
    closed = time.perf_counter() - start
    time.sleep(RELEASE_WAIT)
    return closed, most


class RedisClients:
    """How many clients the bench's own redis-server has: the server's connections to it.
    channels-redis keeps the connections its pool opened (up to redis-py's default of 100 per
    process), so after the plain consumer's crowd the server holds more open files than before
    it."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def __call__(self) -> int:
        return int(self.redis.info("clients")["connected_clients"]) - 1  # not this one

    def close(self) -> None:
        self.redis.close()


def _setup():
    from django.db import transaction

    from mentoring.accounts.services.tokens import create_api_token
    from mentoring.boards.services.posts import create_thread
    from mentoring.models import Board, Membership, User
    from tests.bench.bench_burst import _cohort

    cohort = _cohort()
    tutor = User.objects.get(username="tutor")
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    with transaction.atomic():
        thread = create_thread(board=board, author=tutor, title="Bench: sockets", body="Go.")
    ids = list(
        Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    users = User.objects.in_bulk(ids)
    people = [(uid, create_api_token(user=users[uid], name="bench sockets")) for uid in ids]
    tokens = [people[i % len(people)][1] for i in range(SOCKETS)]
    return cohort, tutor, thread, people, tokens


def _timed_post(url: str, text: str, headers: dict[str, str]) -> tuple[float, float, dict]:
    """POST ``{"body": text}``: (the POST's wall-clock start, its round trip, its JSON)."""
    import httpx

    start_wall, start = time.time(), time.perf_counter()
    response = httpx.post(url, json={"body": text}, headers=headers, timeout=120)
    trip = time.perf_counter() - start
    response.raise_for_status()
    return start_wall, trip, response.json()


def _post_over_http(url: str, token: str, thread_id: int, text: str) -> tuple[float, float]:
    """A reply on the thread through the API: (the POST's wall-clock start, its round trip)."""
    start_wall, trip, _ = _timed_post(
        f"{url}/api/v1/threads/{thread_id}/posts", text, {"Authorization": f"Bearer {token}"}
    )
    return start_wall, trip


def _spy(pid: int, out: str, *options: str) -> subprocess.Popen:
    """py-spy recording ``pid`` until sent SIGINT (``out`` ending in .txt: collapsed stacks)."""
    spy = str(Path(sys.executable).with_name("py-spy"))
    raw = ["--format", "raw"] if out.endswith(".txt") else []
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", "50", *raw, *options, "-o", out],
        stdout=subprocess.DEVNULL,
    )


def _summary(latencies: list[float]) -> str:
    if not latencies:
        return "nothing arrived"
    return (
        f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )


def _delivery(server, client: Client, thread, people, tokens, env: dict[str, str], rng) -> None:
    """2: delivery latency to every socket, Staffroom's thread socket alternating post by post
    with the floor (``tests/bench/delivery_floor_asgi.py``: a bare ASGI broadcast server under
    the same uvicorn, its own client process running the same client code). Each side's frames
    are waited for (every socket, or 60 s) before the other side's trigger; who goes first
    alternates. The floor's trigger carries the same body as the post it pairs with and asks
    for a frame of the live post frame's size: what the last live frame measured beyond its
    body, plus this body (within a few bytes: the author's name and the ids vary)."""
    from tests.bench.bench_burst import body
    from tests.conftest import ServerProcess

    ours = f"{server.url.replace('http://', 'ws://')}/ws/threads/{thread.pk}/"
    floor = ServerProcess(env, app=FLOOR_APP)
    floor_client = Client()
    sides = ("ours", "floor")
    latencies: dict[str, list[float]] = {side: [] for side in sides}
    trips: dict[str, list[float]] = {side: [] for side in sides}
    sizes: dict[str, list[int]] = {side: [] for side in sides}
    # Each post's first and last arrival (the event's way to the fan-out; the fan-out's spread).
    firsts: dict[str, list[float]] = {side: [] for side in sides}
    lasts: dict[str, list[float]] = {side: [] for side in sides}
    lost = dict.fromkeys(sides, 0)
    writing: list[float] = []  # the floor server's own loop over the sockets, per trigger
    collections: dict[str, list[float]] = {side: [] for side in sides}  # the clients' full GCs
    try:
        _, failures = client.call("open", ours, tokens, None)
        _, floor_failures = floor_client.call(
            "open", f"{floor.url.replace('http://', 'ws://')}/ws/floor/", tokens, None
        )
        if failures or floor_failures:
            raise RuntimeError(f"sockets did not open: {failures} ours, {floor_failures} floor")
        load_before = os.getloadavg()[0]
        seq = _current_seq(thread.pk)
        envelope = None  # a live post frame's bytes beyond its body's JSON string
        profiler = None
        if DELIVERY_PROFILE:
            profiler = _spy(server.process.pid, DELIVERY_PROFILE, "--gil", "--nonblocking")
        for n in range(1 + LATENCY_POSTS):  # the first pair warms both servers up, not counted
            text = body(rng)
            escaped = len(json.dumps(text).encode())
            seq += 1
            for side in sides if n % 2 == 0 else sides[::-1]:
                if side == "ours":
                    start, trip = _post_over_http(server.url, people[n][1], thread.pk, text)
                    arrivals = client.call("wait", [seq], 60)
                    live = client.call("frame", seq)
                    if live is None:
                        raise RuntimeError(f"the first socket did not get seq {seq}")
                    sizes[side].append(len(live.encode()))
                    envelope = sizes[side][-1] - escaped
                else:
                    size = envelope + escaped
                    start, trip, answer = _timed_post(
                        f"{floor.url}/trigger?seq={n + 1}&size={size}", text, {}
                    )
                    if n:  # not the warm-up
                        writing.append(answer["seconds"])
                    arrivals = floor_client.call("wait", [n + 1], 60)
                    sizes[side].append(len(floor_client.call("frame", n + 1).encode()))
                got = [arrived - start for (arrived,) in arrivals if arrived is not None]
                pauses = (client if side == "ours" else floor_client).call("gc")
                time.sleep(1.0)
                if n == 0:
                    continue
                trips[side].append(trip)
                collections[side] += pauses
                lost[side] += len(arrivals) - len(got)
                latencies[side] += got
                if got:
                    firsts[side].append(min(got))
                    lasts[side].append(max(got))
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        floor_client.call("close")
    finally:
        floor_client.stop()
        floor.stop()
    load_after = os.getloadavg()[0]
    names = {"ours": "Staffroom's thread socket", "floor": "the floor (bare ASGI broadcast)"}
    for side in sides:
        print(
            f"delivery to every socket, {names[side]} ({SOCKETS:,} sockets × {LATENCY_POSTS} "
            f"posts, frames of {min(sizes[side])}–{max(sizes[side])} bytes): "
            f"{_summary(latencies[side])}; lost {lost[side]}; the POST's round trip median "
            f"{percentile(trips[side], 0.5) * 1000:.0f} ms, p95 "
            f"{percentile(trips[side], 0.95) * 1000:.0f} ms; a post's first socket (median) "
            f"{percentile(firsts[side], 0.5) * 1000:.0f} ms, its last "
            f"{percentile(lasts[side], 0.5) * 1000:.0f} ms",
            flush=True,
        )
    for side in sides:
        print(
            f"(each post's last socket, {side}, in order: "
            f"{' / '.join(f'{last * 1000:.0f}' for last in lasts[side])} ms)",
            flush=True,
        )
    print(
        f"(the clients' full collections during the posts (SOCKETS_BENCH_CLIENT_GC={CLIENT_GC}): "
        + "; ".join(
            f"{side} {len(collections[side])}, {sum(collections[side]) * 1000:.0f} ms in all"
            for side in sides
        )
        + ")",
        flush=True,
    )
    print(
        f"(the floor server's own loop over the {SOCKETS:,} sockets: median "
        f"{percentile(writing, 0.5) * 1000:.0f} ms, most {max(writing) * 1000:.0f} ms; "
        f"load average {load_before:.2f} before the posts, {load_after:.2f} after)",
        flush=True,
    )
    floor_name = "the floor, a bare ASGI broadcast under the same uvicorn, alternating"
    references = ((floor_name, latencies["floor"]), ("the POST's own round trip", trips["ours"]))
    for reference_name, reference in references:
        for name, fraction in (("p50", 0.5), ("p95", 0.95)):
            report(
                f"delivery latency {name} over every socket ({SOCKETS:,} sockets)",
                percentile(latencies["ours"], fraction),
                percentile(reference, fraction),
                reference_name=f"{reference_name} ({name})",
            )


def _current_seq(thread_id: int) -> int:
    from django.db import close_old_connections

    from mentoring.boards.events import thread_group

    close_old_connections()  # a long bench: take a fresh (checked) connection from the pool
    from mentoring.models import LiveStream

    row = LiveStream.objects.filter(name=thread_group(thread_id)).first()
    return row.seq if row else 0


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    setup_django()
    from django.db import transaction

    from mentoring.boards.services.posts import create_post
    from mentoring.models import User
    from tests.bench.bench_burst import body
    from tests.conftest import RedisServer, ServerProcess

    cohort, tutor, thread, people, tokens = _setup()
    env = {
        "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
        "UVICORN_WS_PER_MESSAGE_DEFLATE": "false",
        # As deployed (platform/deploy/staffroom-web@.service); ``pymalloc`` to compare.
        "PYTHONMALLOC": os.environ.get("SOCKETS_BENCH_PYTHONMALLOC", "malloc"),
    }
    redis = None
    if LAYER == "redis":
        redis = RedisServer()
        redis.start()
        env["REDIS_URL"] = redis.url
    try:
        server = ServerProcess(env, app=REFERENCE_APP)
    except Exception:
        if redis is not None:
            redis.stop()
        raise
    layer_files = RedisClients(redis.url) if redis is not None else (lambda: 0)
    print(
        f"(channel layer: {LAYER}{f' at {redis.url}' if redis else ''}; "
        f"the server's log: {server.log.name})",
        flush=True,
    )
    ws = server.url.replace("http://", "ws://")
    ours = f"{ws}/ws/threads/{thread.pk}/"
    plain = f"{ws}/ws/reference/threads/{thread.pk}/"
    client = Client()
    import random

    rng = random.Random(24)
    try:

        def one_round(label: str, name: str, url: str) -> tuple[float, float]:
            """Open and close SOCKETS sockets: (seconds to open them, RSS once closed)."""
            elapsed, failures = client.call("open", url, tokens, None)
            if failures:
                raise RuntimeError(f"{failures} sockets did not open on {name}")
            held = rss_mb(server.process.pid)
            client.call("close")
            closing, most = settle(server.process.pid, files, layer_files=layer_files)
            after = rss_mb(server.process.pid)
            print(
                f"({label}, {name}: {SOCKETS:,} sockets opened in {elapsed:.1f}s; "
                f"RSS {fresh:.0f} MB fresh, {held:.0f} MB with them, up to {most:.0f} MB "
                f"while the server closed them ({closing:.1f}s), {after:.0f} MB after; "
                f"load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
            return elapsed, after

        # 1: admission, alternating with the plain consumer.
        rates: dict[str, list[float]] = {"ours": [], "plain": []}
        fresh = rss_mb(server.process.pid)
        files = open_files(server.process.pid) - layer_files()
        for _round in range(ROUNDS if "admission" in PHASES else 0):
            for name, url in (("ours", ours), ("plain", plain)):
                elapsed, _ = one_round(f"admission round {_round + 1}", name, url)
                rates[name].append(SOCKETS / elapsed)
        # 3: memory, on a fresh server that serves only Staffroom's sockets (the plain
        # consumer's rounds in between, which nothing of theirs hands back, left the heap more
        # fragmented after each: 311 / 365 / 403 MB at 10,000, against 325 / 339 / 353 alone).
        sizes: list[float] = []
        if "memory" in PHASES:
            server.restart()
            fresh = rss_mb(server.process.pid)
            files = open_files(server.process.pid) - layer_files()
            for _round in range(ROUNDS):
                sizes.append(one_round(f"memory round {_round + 1}", "ours", ours)[1])
        for i in range(len(rates["ours"])):
            report(
                f"sockets admitted per second, round {i + 1} ({SOCKETS:,} on one thread)",
                rates["ours"][i],
                rates["plain"][i],
                unit="sockets/s",
                reference_name="plain Channels consumer, same auth and permission check"
                + (", both on channels-redis" if redis is not None else ""),
                higher_is_better=True,
            )
        for i in range(1, len(sizes)):
            report(
                f"RSS after round {i + 1} of {SOCKETS:,} sockets opened and closed",
                sizes[i],
                sizes[0],
                unit="MB",
                reference_name="after round 1 (target: ratio ≤ 1.20)",
            )

        if "delivery" in PHASES:
            _delivery(server, client, thread, people, tokens, env, rng)
        if "storm" not in PHASES:
            return
        if "delivery" not in PHASES:
            client.call("open", ours, tokens, None)
        # 4: the reconnect storm. Restart with every socket open, post while it is down.
        since = _current_seq(thread.pk)
        server.process.terminate()
        server.process.wait(timeout=30)
        client.call("drop")
        author = User.objects.get(pk=people[0][0])
        for _ in range(STORM_POSTS):
            with transaction.atomic():
                create_post(thread=thread, author=author, body=body(rng))
        missed = list(range(since + 1, since + STORM_POSTS + 1))
        assert _current_seq(thread.pk) == missed[-1]
        server.restart()
        profiler = _spy(server.process.pid, PROFILE) if PROFILE else None
        started = time.perf_counter()
        _, failures = client.call("open", ours, tokens, since)
        arrivals = client.call("wait", missed, 120)
        storm = time.perf_counter() - started
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        lost = sum(1 for per_socket in arrivals for a in per_socket if a is None) + failures * len(
            missed
        )
        client.call("close")
        server.restart()
        started = time.perf_counter()
        client.call("open", plain, tokens, None)
        plain_storm = time.perf_counter() - started
        client.call("close")
        print(
            f"reconnect storm: {SOCKETS:,} sockets with ?since= after a restart, "
            f"{STORM_POSTS} posts to catch up each: all back in {storm:.1f}s "
            f"(target < 60 s), {lost} of {SOCKETS * STORM_POSTS:,} deliveries lost; "
            f"the plain consumer's reconnect {plain_storm:.1f}s; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        report(
            f"reconnect storm, {SOCKETS:,} sockets after a restart",
            storm,
            plain_storm,
            unit="s",
            reference_name="the plain consumer's reconnect (nothing to catch up)",
        )
    finally:
        client.stop()
        server.stop()
        if redis is not None:
            layer_files.close()
            redis.stop()
    del cohort, tutor


if __name__ == "__main__":
    main()
