"""What one uvicorn process holds on this machine (issue 12): the most idle sockets on one
thread at 1 post/s, and the highest post rate with 1,100 sockets, each step of a ladder run end
to end by ``bench_burst.run_burst`` (HTTP posts, websocket deliveries, the ``?since=`` catch-up,
the tutor's dashboard) until a step misses a target: 0 lost deliveries, posting p95 and
dashboard p95 under 1 s. The goal named in the issue is 10,000 sockets at 1 post/s.

Each step prints its figures against the plain GET measured alternately in the same step. The
ladders stop at the first step that misses, so the last "met" line is the answer. Set
``CAPACITY_SOCKETS`` / ``CAPACITY_RATES`` (comma-separated) to run other ladders.
"""

from __future__ import annotations

import logging
import os

from tests.bench.bench_burst import Burst, print_outcome, run_burst
from tests.bench.common import setup_django

SOCKET_LADDER = (2500, 5000, 10000, 15000)
RATE_LADDER = (10.0, 12.5, 15.0, 20.0)
STEP_SECONDS = 20


def _ladder(name: str, default: tuple) -> list[float]:
    raw = os.environ.get(name)
    return [float(x) for x in raw.split(",")] if raw else list(default)


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    setup_django()
    held = None
    for sockets in _ladder("CAPACITY_SOCKETS", SOCKET_LADDER):
        outcome = run_burst(Burst(sockets=int(sockets), rate=1.0, seconds=30), reference=False)
        print_outcome(outcome)
        if not outcome.met:
            break
        held = int(sockets)
    print(f"capacity: most idle sockets on one thread, one process, 1 post/s: {held or 0:,}")
    fastest = None
    for rate in _ladder("CAPACITY_RATES", RATE_LADDER):
        outcome = run_burst(Burst(rate=rate, seconds=STEP_SECONDS), reference=False)
        print_outcome(outcome)
        if not outcome.met:
            break
        fastest = rate
    print(f"capacity: highest post rate, 1,100 sockets, one process: {fastest or 0:g} posts/s")


if __name__ == "__main__":
    main()
