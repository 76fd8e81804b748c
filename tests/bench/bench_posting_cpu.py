"""CPU of the web process per stored post (issue 24), read from ``/proc``, beside Misago's.

Members post 80–120-word replies over HTTP to one thread (8 in flight) for ``PHASE_SECONDS``
(30 s by default); the server's user+system CPU over the phase (``/proc/<pid>/stat``), divided
by the posts the thread gained in the database, is the figure. The reference is Misago (from
PyPI, see ``misago_reference``): one uvicorn process as Staffroom's, the same members' count,
bodies and concurrency, replies posted through its REST API by signed-in members with CSRF.
Phases alternate — Staffroom, Misago, Staffroom, Misago… — ``ROUNDS`` times. Staffroom also
gets a shorter phase of authenticated ``GET /api/v1/me`` each round (the fixed cost of any API
request). ``POSTING_MISAGO=0`` leaves Misago out; ``BASELINE_ROOT`` (a checkout of an older
commit: ``git archive <commit> | tar -x -C DIR``) adds a server of that code on the same
database to every round.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

from tests.bench.common import median, report, setup_django
from tests.bench.misago_reference import MISAGO_VERSION, Misago

PHASE_SECONDS = float(os.environ.get("POSTING_PHASE_SECONDS", "30"))
ROUNDS = int(os.environ.get("POSTING_ROUNDS", "3"))
WITH_MISAGO = os.environ.get("POSTING_MISAGO", "1") != "0"
IN_FLIGHT = 8
MEMBERS = 200
# Each member posts once per MEMBERS requests: Misago refuses a member's posts less than 3 s
# apart (flood protection), so up to MEMBERS / 3 posts per second are all accepted.

Request = tuple[str, str, dict[str, str], dict | None]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _phase(url: str, requests: list[Request], seconds: float) -> tuple[int, int]:
    """Send ``requests`` (method, path, headers, json) round-robin, IN_FLIGHT at a time, for
    ``seconds``; returns (succeeded, failed)."""
    import httpx

    done = failed = 0
    deadline = time.perf_counter() + seconds
    position = 0

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def worker() -> None:
            nonlocal done, failed, position
            while time.perf_counter() < deadline:
                method, path, headers, body = requests[position % len(requests)]
                position += 1
                response = await client.request(method, path, json=body, headers=headers)
                client.cookies.clear()  # each request carries its member's own headers
                if response.status_code in (200, 201):
                    done += 1
                else:
                    failed += 1

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return done, failed


class Measured:
    """One product's phases: CPU seconds per unit, units, refused requests, seconds."""

    def __init__(self) -> None:
        self.per_unit: list[float] = []
        self.units = self.failed = 0
        self.seconds = 0.0

    def add(self, cpu: float, units: int, failed: int, seconds: float) -> None:
        self.per_unit.append(cpu / max(units, 1))
        self.units += units
        self.failed += failed
        self.seconds += seconds


def _measure(
    pid: int,
    url: str,
    requests: list[Request],
    seconds: float,
    into: Measured,
    stored: Callable[[], int] | None = None,
) -> None:
    """One phase; the units are the rows ``stored`` gained, else the successful requests."""
    before_rows = stored() if stored else 0
    before = cpu_seconds(pid)
    start = time.perf_counter()
    done, failed = asyncio.run(_phase(url, requests, seconds))
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(pid) - before
    units = stored() - before_rows if stored else done
    into.add(cpu, units, failed, elapsed)


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    setup_django()
    from django.db import transaction

    from mentoring.accounts.services.tokens import create_api_token
    from mentoring.boards.services.posts import create_thread
    from mentoring.models import Board, Membership, Post, User
    from tests.bench.bench_burst import _cohort, body
    from tests.conftest import ServerProcess

    cohort = _cohort()
    tutor = User.objects.get(username="tutor")
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    with transaction.atomic():
        thread = create_thread(board=board, author=tutor, title="Bench: CPU", body="Go.")
    ids = list(
        Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER)
        .order_by("pk")
        .values_list("user_id", flat=True)[:MEMBERS]
    )
    users = User.objects.in_bulk(ids)
    tokens = [create_api_token(user=users[uid], name="bench cpu") for uid in ids]
    rng = random.Random(24)
    path = f"/api/v1/threads/{thread.pk}/posts"

    def ours_posting() -> list[Request]:
        return [
            ("POST", path, {"Authorization": f"Bearer {t}"}, {"body": body(rng)})
            for t in tokens * 5
        ]

    def ours_plain() -> list[Request]:
        return [("GET", "/api/v1/me", {"Authorization": f"Bearer {t}"}, None) for t in tokens]

    def ours_stored() -> int:
        return Post.objects.filter(thread=thread).count()

    env = {"DATABASE_URL": os.environ["BENCH_DATABASE_URL"]}
    servers = {"Staffroom": ServerProcess(env)}
    baseline = os.environ.get("BASELINE_ROOT")
    if baseline:
        servers["baseline"] = ServerProcess(env, root=Path(baseline))
    misago = None
    load_before = os.getloadavg()
    posting = {name: Measured() for name in servers}
    plain = {name: Measured() for name in servers}
    try:
        if WITH_MISAGO:
            misago = Misago(MEMBERS).serve()
            misago_headers = misago.sign_in_all()
            misago_path = f"/api/threads/{misago.thread}/posts/"
            posting["Misago"] = Measured()

            def misago_posting() -> list[Request]:
                return [("POST", misago_path, h, {"post": body(rng)}) for h in misago_headers * 5]

        for server in servers.values():  # warm up: imports, pools, caches
            asyncio.run(_phase(server.url, ours_posting(), 5))
            asyncio.run(_phase(server.url, ours_plain(), 1))
        if misago:
            asyncio.run(_phase(misago.url, misago_posting(), 5))
        for _ in range(ROUNDS):
            for name, server in servers.items():
                pid = server.process.pid
                _measure(pid, server.url, ours_posting(), PHASE_SECONDS, posting[name], ours_stored)
                if misago:
                    _measure(
                        misago.process.pid,
                        misago.url,
                        misago_posting(),
                        PHASE_SECONDS,
                        posting["Misago"],
                        misago.posts_stored,
                    )
                _measure(pid, server.url, ours_plain(), PHASE_SECONDS / 3, plain[name])
    finally:
        for server in servers.values():
            server.stop()
        if misago:
            misago.close()
    load_after = os.getloadavg()
    for name, measured in posting.items():
        print(
            f"{name}: {measured.units} posts stored in {measured.seconds:.0f} s "
            f"({measured.units / measured.seconds:.1f}/s), {measured.failed} refused; "
            f"ms per post by phase: {', '.join(f'{v * 1000:.1f}' for v in measured.per_unit)}",
            flush=True,
        )
    print(
        f"load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in load_before)}; "
        f"after: {', '.join(f'{v:.2f}' for v in load_after)}",
        flush=True,
    )
    label = f"{ROUNDS} × {PHASE_SECONDS:g} s, {IN_FLIGHT} in flight, one uvicorn process"
    ours = median(posting["Staffroom"].per_unit)
    report(
        f"web-process CPU per stored post, Staffroom ({label})",
        ours,
        median(plain["Staffroom"].per_unit),
        reference_name="CPU per authenticated GET /api/v1/me, alternating",
    )
    if "Misago" in posting:
        report(
            f"web-process CPU per stored post, Staffroom ({label})",
            ours,
            median(posting["Misago"].per_unit),
            reference_name=f"Misago {MISAGO_VERSION} replying through its API, alternating",
        )
    if baseline:
        report(
            "web-process CPU per stored post, this commit",
            ours,
            median(posting["baseline"].per_unit),
            reference_name="the baseline commit, alternating",
        )


if __name__ == "__main__":
    main()
