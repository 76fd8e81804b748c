"""The live solution (issue 22), on a real uvicorn process.

1. Typing: 6 members of one group, each typing 5 keystrokes a second into the shared solution
   (``/ws/groups/{id}/solution``, pycrdt clients speaking y-websocket's protocol) for
   ``BENCH_COEDIT_SECONDS`` (default 20 s); p95 and median from a keystroke's send to its
   arrival at each of the 5 other members' sockets — every keystroke stored in PostgreSQL
   before it is sent on — against the same 6 sockets on a plain websocket relay in the same
   server process (``tests/bench/coediting_asgi.py``: nothing checked, stored or decoded).
2. Loading: a 50 KB solution with 10,000 updates behind it, read as the server reads it when the
   first socket opens (``coediting.load_state``), before and after compaction (a version), and
   opened end to end through a socket (connect, sync, the whole text), against reading the same
   text from a plain column (``Solution.body``).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid

from tests.bench.common import ROOT, median, percentile, report, setup_django, timed

MEMBERS = 6
RATE = 5.0  # keystrokes per second per member
SECONDS = float(os.environ.get("BENCH_COEDIT_SECONDS", "20"))
DOC_CHARS = 50_000
DOC_UPDATES = 10_000


class Server:
    """uvicorn on ``tests.bench.coediting_asgi`` (Staffroom plus the plain relay)."""

    def __init__(self) -> None:
        from tests.conftest import free_port, wait_for_http

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=os.environ["BENCH_DATABASE_URL"],
            PYTHONUNBUFFERED="1",
        )
        env.pop("REDIS_URL", None)
        self.log = open(ROOT / "var" / f"bench-coediting-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "tests.bench.coediting_asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_http(self.url + "/healthz")

    def stop(self) -> None:
        from tests.conftest import stop_process  # imports Django: after setup

        stop_process(self.process)
        self.log.close()


def _group():
    """A fresh cohort of 6 members and a tutor, a scenario released to it, one group."""
    from mentoring.accounts.services.tokens import create_api_token
    from scenarios.services.releases import release_scenario
    from tests.factories import UserFactory, make_cohort
    from tests.scenarios.helpers import make_module, make_scenario

    tag = uuid.uuid4().hex[:8]
    members = [UserFactory(username=f"coedit_{tag}_{i}") for i in range(MEMBERS)]
    tutor = UserFactory(username=f"coedit_{tag}_tutor")
    cohort = make_cohort(name=f"Co-editing bench {tag}", tutors=[tutor], members=members)
    scenario = make_scenario(make_module(title=f"Co-editing bench {tag}"))
    release = release_scenario(cohort=cohort, scenario=scenario, by=tutor, group_size=MEMBERS)
    group = release.groups.get()
    return group, [create_api_token(user=member, name="bench") for member in members]


async def _typing(
    url: str, group_id: int, tokens: list[str], relay: bool, seconds: float = SECONDS
) -> list[float]:
    """Seconds from each keystroke's send to its arrival at each other member's socket."""
    import websockets

    from tests.coediting.ydoc import SocketPeer, YClient

    if relay:
        sockets = [
            await websockets.connect(url.replace("http", "ws", 1) + "/bench/relay") for _ in tokens
        ]
        peers = [SocketPeer(socket) for socket in sockets]
    else:
        peers = [await SocketPeer.open(url, group_id, token) for token in tokens]
    sent: dict[bytes, float] = {}
    delays: list[float] = []
    expected = int(seconds * RATE) * len(peers) * (len(peers) - 1)
    done = asyncio.Event()

    async def listen(peer: SocketPeer) -> None:
        try:
            while True:
                message = await peer.socket.recv()
                arrived = time.perf_counter()
                started = sent.get(message)
                if started is not None:
                    delays.append(arrived - started)
                    if len(delays) >= expected:
                        done.set()
        except Exception:
            return

    async def type_(peer: SocketPeer, offset: float) -> None:
        client = YClient()  # its own paragraph: inserts at the end of its own text
        await asyncio.sleep(offset)
        start = time.perf_counter()
        for n in range(int(seconds * RATE)):
            await asyncio.sleep(max(0.0, start + n / RATE - time.perf_counter()))
            message = client.append("abcdefghij"[n % 10])
            sent[message] = time.perf_counter()
            await peer.socket.send(message)

    listeners = [asyncio.create_task(listen(peer)) for peer in peers]
    await asyncio.gather(*(type_(peer, i / (RATE * len(peers))) for i, peer in enumerate(peers)))
    try:
        await asyncio.wait_for(done.wait(), timeout=15)
    except TimeoutError:
        print(f"  only {len(delays)} of {expected} deliveries arrived", flush=True)
    for task in listeners:
        task.cancel()
    for peer in peers:
        await peer.socket.close()
    return delays


def _big_document(group) -> str:
    """10,000 updates making a 50 KB text, stored as a member's typing would be."""
    from pycrdt import Doc, Text

    from scenarios.models import Solution, SolutionUpdate
    from scenarios.services import coediting

    solution = Solution.objects.get(group=group)
    coediting.load_state(group.pk)  # the snapshot (empty)
    solution.refresh_from_db()
    author = group.members.first()
    doc = Doc()
    text = doc.get("solution", type=Text)
    doc.apply_update(bytes(solution.crdt_snapshot))
    rows = []
    per_update = DOC_CHARS // DOC_UPDATES
    words = "The group plans the first five minutes of the lesson. "
    for n in range(DOC_UPDATES):
        before = doc.get_state()
        chunk = (words * 2)[(n * per_update) % len(words) :][:per_update]
        text.insert(len(text), chunk)
        rows.append(SolutionUpdate(solution=solution, data=doc.get_update(before), author=author))
    SolutionUpdate.objects.bulk_create(rows, batch_size=1000)
    body = str(text)
    Solution.objects.filter(pk=solution.pk).update(body=body)
    return body


async def _open_and_sync(url: str, group_id: int, token: str, length: int) -> float:
    from tests.coediting.ydoc import SocketPeer

    start = time.perf_counter()
    peer = await SocketPeer.open(url, group_id, token)
    elapsed = time.perf_counter() - start
    assert len(str(peer.client)) == length, len(str(peer.client))
    await peer.close()
    return elapsed


def main() -> None:
    setup_django()
    from scenarios.models import Solution, SolutionUpdate
    from scenarios.services import coediting

    group, tokens = _group()
    server = Server()
    try:
        # Warm up both paths (imports, connections), then measure.
        asyncio.run(_open_and_sync(server.url, group.pk, tokens[0], 0))
        for relay_or_not in (True, False):  # threads, connections, caches of both paths
            asyncio.run(_typing(server.url, group.pk, tokens, relay=relay_or_not, seconds=2))
        warm = SolutionUpdate.objects.filter(solution__group=group).count()
        relay = asyncio.run(_typing(server.url, group.pk, tokens, relay=True))
        live = asyncio.run(_typing(server.url, group.pk, tokens, relay=False))
        stored = SolutionUpdate.objects.filter(solution__group=group).count() - warm
        print(
            f"  {MEMBERS} members × {RATE:g} keystrokes/s × {SECONDS:g}s: "
            f"{len(live)} deliveries, {stored} updates stored",
            flush=True,
        )
        report(
            "co-editing keystroke→other members p95",
            percentile(live, 0.95),
            percentile(relay, 0.95),
            reference_name="plain websocket relay",
        )
        report(
            "co-editing keystroke→other members median",
            median(live),
            median(relay),
            reference_name="plain websocket relay",
        )

        big, big_tokens = _group()
        body = _big_document(big)
        column = timed(
            lambda: Solution.objects.filter(group=big).values_list("body", flat=True).get(),
            repeat=10,
        )
        uncompacted = timed(lambda: coediting.load_state(big.pk), repeat=5, warmup=1)
        report(
            f"load {len(body) // 1000} KB with {DOC_UPDATES:,} updates (not compacted) median",
            median(uncompacted),
            median(column),
            reference_name="plain column",
        )
        coediting.take_version(group_id=big.pk)
        compacted = timed(lambda: coediting.load_state(big.pk), repeat=10)
        report(
            f"load {len(body) // 1000} KB compacted (after a version) median",
            median(compacted),
            median(column),
            reference_name="plain column",
        )
        opened = [
            asyncio.run(_open_and_sync(server.url, big.pk, big_tokens[0], len(body)))
            for _ in range(5)
        ]
        report(
            f"open a socket and sync {len(body) // 1000} KB compacted median",
            median(opened),
            median(column),
            reference_name="plain column",
        )
    finally:
        server.stop()
