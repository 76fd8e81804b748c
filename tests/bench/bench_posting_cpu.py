"""CPU of the web process per stored post (issue 24), read from ``/proc`` over write runs.

Members post 80–120-word replies over HTTP to one thread (8 in flight) for ``PHASE_SECONDS``;
the server's user+system CPU over the phase, divided by the posts stored, is the figure. The
reference, in phases alternating with it on the same server: an authenticated ``GET
/api/v1/me`` (the fixed cost of any API request: token, middleware, JSON) at the same
concurrency. With ``BASELINE_ROOT`` set to a checkout of an older commit (``git archive <commit>
| tar -x -C DIR``), a server of that code on the same database takes its turn in every round,
so the before/after ratio is measured alternately too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from pathlib import Path

from tests.bench.common import median, report, setup_django

PHASE_SECONDS = float(os.environ.get("POSTING_PHASE_SECONDS", "10"))
ROUNDS = 3
IN_FLIGHT = 8


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _phase(
    url: str, requests: list[tuple[str, str, str, dict | None]], seconds: float
) -> int:
    """Send ``requests`` (method, path, token, json) round-robin, IN_FLIGHT at a time, for
    ``seconds``; returns how many succeeded."""
    import httpx

    done = 0
    deadline = time.perf_counter() + seconds
    position = 0

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def worker() -> None:
            nonlocal done, position
            while time.perf_counter() < deadline:
                method, path, token, body = requests[position % len(requests)]
                position += 1
                response = await client.request(
                    method, path, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                if response.status_code in (200, 201):
                    done += 1

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return done


def _measure(server, requests_for_phase) -> tuple[float, int]:
    before = cpu_seconds(server.process.pid)
    count = asyncio.run(_phase(server.url, requests_for_phase(), PHASE_SECONDS))
    return (cpu_seconds(server.process.pid) - before) / max(count, 1), count


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    setup_django()
    from django.db import transaction

    from mentoring.accounts.services.tokens import create_api_token
    from mentoring.boards.services.posts import create_thread
    from mentoring.models import Board, Membership, User
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
        .values_list("user_id", flat=True)[:200]
    )
    users = User.objects.in_bulk(ids)
    tokens = [create_api_token(user=users[uid], name="bench cpu") for uid in ids]
    rng = random.Random(24)
    path = f"/api/v1/threads/{thread.pk}/posts"

    def posting():
        return [("POST", path, t, {"body": body(rng)}) for t in tokens * 5]

    def plain():
        return [("GET", "/api/v1/me", t, None) for t in tokens]

    env = {"DATABASE_URL": os.environ["BENCH_DATABASE_URL"]}
    servers = {"this commit": ServerProcess(env)}
    baseline = os.environ.get("BASELINE_ROOT")
    if baseline:
        servers["baseline"] = ServerProcess(env, root=Path(baseline))
    figures: dict[str, dict[str, list]] = {name: {"post": [], "get": []} for name in servers}
    try:
        for server in servers.values():  # warm up: imports, pools, caches
            asyncio.run(_phase(server.url, posting(), 2))
            asyncio.run(_phase(server.url, plain(), 1))
        for _ in range(ROUNDS):
            for name, server in servers.items():
                figures[name]["post"].append(_measure(server, posting))
                figures[name]["get"].append(_measure(server, plain))
    finally:
        for server in servers.values():
            server.stop()
    for name, measured in figures.items():
        per_post = median([cpu for cpu, _ in measured["post"]])
        per_get = median([cpu for cpu, _ in measured["get"]])
        posts = sum(count for _, count in measured["post"])
        report(
            f"web-process CPU per stored post, {name} ({posts} posts over "
            f"{ROUNDS} × {PHASE_SECONDS:g} s, {IN_FLIGHT} in flight)",
            per_post,
            per_get,
            reference_name="CPU per authenticated GET /api/v1/me, alternating",
        )
    if baseline:
        now = median([cpu for cpu, _ in figures["this commit"]["post"]])
        before = median([cpu for cpu, _ in figures["baseline"]["post"]])
        report(
            "web-process CPU per stored post, this commit",
            now,
            before,
            reference_name="the baseline commit, alternating",
        )


if __name__ == "__main__":
    main()
