"""What a round of sockets leaves behind in the server, at the Python level (issue 24).

Not a benchmark: a probe to find per-socket state that outlives its socket. The server
(uvicorn with ``config.asgi``) runs in this process with ``tracemalloc`` on; a client process
opens ``PROBE_N`` sockets on a thread (bearer tokens), then closes them, ``PROBE_ROUNDS``
times. After each round the server collects garbage and counts its objects by type; at the
end it prints what grew between the end of round 1 and the end of the last round, by
allocation site and by type. A leak shows as growth proportional to the rounds; a cache that
fills once does not grow after round 1.

    STAFFROOM_BENCH_DB=staffroom_bench_mine PROBE_N=300 python -m tests.bench.probe_socket_memory

``PROBE_TRACE=0`` runs without ``tracemalloc`` (and prints RSS per round),
``PROBE_MALLOCSTATS=1`` prints pymalloc's arenas and ``smaps_rollup`` after each round,
``PROBE_SINCE=N`` reconnects with ``?since=N``, ``PROBE_ROUNDS``, ``PROBE_PAUSE`` (seconds
after each close).
"""

from __future__ import annotations

import asyncio
import collections
import gc
import os
import socket
import sys
import tracemalloc

N = int(os.environ.get("PROBE_N", "300"))
ROUNDS = int(os.environ.get("PROBE_ROUNDS", "4"))
SINCE = os.environ.get("PROBE_SINCE")  # reconnect with ?since= this seq
PAUSE = float(os.environ.get("PROBE_PAUSE", "4"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _types() -> collections.Counter:
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


async def _drive(server, client, url: str, tokens: list[str]) -> None:
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    since = int(SINCE) if SINCE else None
    tracing = tracemalloc.is_tracing()
    gc.collect()
    if tracing:
        gc.disable()
    first_snapshot = first_types = None
    before = tracemalloc.take_snapshot() if tracing else None
    try:
        for n in range(ROUNDS):
            elapsed, failures = await asyncio.to_thread(client.call, "open", url, tokens, since)
            if n == 0 and tracing:  # what an open socket holds
                held = tracemalloc.take_snapshot().compare_to(before, "lineno")
                total = sum(stat.size_diff for stat in held)
                print(f"held with {N} sockets open: {total / N / 1024:.1f} KiB a socket")
                for stat in held[:25]:
                    print(
                        f"  {stat.size_diff / N:8.0f} B/socket {stat.count_diff / N:6.1f} "
                        f"blocks/socket  {stat.traceback.format()[0].strip()}"
                    )
            await asyncio.to_thread(client.call, "close")
            await asyncio.sleep(PAUSE)  # the hub's release, the closes' tails
            # What only the cycle collector frees (automatic collection is off during the
            # rounds, so all of it is still here): a socket's state in a reference cycle
            # outlives the socket until a full collection, and fragments the heap meanwhile.
            gc.set_debug(gc.DEBUG_SAVEALL)
            found = gc.collect()
            cycles = collections.Counter(type(o).__qualname__ for o in gc.garbage)
            gc.garbage.clear()
            gc.set_debug(0)
            gc.collect()  # what was saved is garbage again
            print(f"  unreachable (cycles) after round {n + 1}: {found}; top types:", flush=True)
            for name, count in cycles.most_common(40):
                print(f"    {name}: {count}")
            current, peak = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (0, 0)
            print(
                f"round {n + 1}: {N} opened in {elapsed:.1f}s ({failures} failed); RSS "
                f"{_rss_mb():.0f} MB; traced "
                f"{current / 1e6:.1f} MB (peak {peak / 1e6:.1f} MB)",
                flush=True,
            )
            if os.environ.get("PROBE_MALLOCSTATS"):  # pymalloc's arenas, on stderr
                sys._debugmallocstats()
                with open("/proc/self/smaps_rollup") as rollup:
                    print(rollup.read(), flush=True)
            if n == 0 and tracing:
                first_snapshot, first_types = tracemalloc.take_snapshot(), _types()
        if not tracing:
            return
        last, last_types = tracemalloc.take_snapshot(), _types()
        print(f"\ngrowth from round 1 to round {ROUNDS}, by allocation site:")
        for stat in last.compare_to(first_snapshot, "traceback")[:15]:
            if stat.size_diff <= 0:
                continue
            print(f"  {stat.size_diff / 1024:+.1f} KiB, {stat.count_diff:+d} blocks")
            for line in stat.traceback.format()[-8:]:
                print(f"      {line}")
        print("\ngrowth by type:")
        for name, count in (last_types - first_types).most_common(20):
            print(f"  {name}: +{count}")
    finally:
        gc.enable()
        server.should_exit = True
        await serving


def main() -> None:
    os.environ["SOCKETS_BENCH_N"] = str(N)
    from tests.bench.common import setup_django

    setup_django()
    import uvicorn

    from tests.bench import bench_sockets

    _, _, thread, _, tokens = bench_sockets._setup()
    client = bench_sockets.Client()
    port = _free_port()
    config = uvicorn.Config(
        "config.asgi:application",
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws_per_message_deflate=False,
        lifespan="off",
    )
    if os.environ.get("PROBE_TRACE", "1") == "1":
        tracemalloc.start(12)
    try:
        drive = _drive(
            uvicorn.Server(config), client, f"ws://127.0.0.1:{port}/ws/threads/{thread.pk}/", tokens
        )
        if os.environ.get("PROBE_LOOP", "uvloop") == "uvloop":  # as ``python -m uvicorn`` runs
            import uvloop

            uvloop.run(drive)
        else:
            asyncio.run(drive)
    finally:
        client.stop()


if __name__ == "__main__":
    main()
