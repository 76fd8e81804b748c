"""Which ASGI server serves Staffroom: uvicorn against daphne, on the same app and database.

HTTP: requests per second for an authenticated API call (``GET /api/v1/me`` with a bearer token)
with 20 concurrent clients. Websockets: time to open ``/ws/notifications/`` and get ``ready``.

Then Staffroom's HTTP app (``config.asgi``: each request's synchronous part on a kept thread,
``RequestThreads``) against Django's handler as it comes (a thread started and joined per
request, ``tests.bench.reference_asgi:thread_per_request``), both on uvicorn, alternately: one
request at a time (median of GET /api/v1/me) and 20 at a time (requests per second).
"""

from __future__ import annotations

import asyncio
import os
import time

from tests.bench.common import median, report, setup_django, start_server

REQUESTS = 600
CONCURRENCY = 20
SOCKETS = 60
SEQUENTIAL = 300


async def _http_throughput(url: str, token: str) -> float:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        for _ in range(20):  # warm up
            (await client.get("/api/v1/me")).raise_for_status()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(REQUESTS):
            queue.put_nowait(n)

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                (await client.get("/api/v1/me")).raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return REQUESTS / (time.perf_counter() - start)


async def _socket_open_times(url: str, token: str) -> list[float]:
    import websockets

    ws_url = url.replace("http://", "ws://") + "/ws/notifications/"
    samples = []
    for _ in range(SOCKETS):
        start = time.perf_counter()
        async with websockets.connect(
            ws_url, additional_headers={"Authorization": f"Bearer {token}"}
        ) as socket:
            await socket.recv()
            samples.append(time.perf_counter() - start)
    return samples


async def _one_at_a_time(urls: dict[str, str], token: str) -> dict[str, list[float]]:
    """Seconds per GET /api/v1/me on each server, one request at a time, in turn."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    samples: dict[str, list[float]] = {name: [] for name in urls}
    clients = {name: httpx.AsyncClient(base_url=url, headers=headers) for name, url in urls.items()}
    try:
        for n in range(SEQUENTIAL + 20):
            for name, client in clients.items():
                start = time.perf_counter()
                (await client.get("/api/v1/me")).raise_for_status()
                if n >= 20:  # warmed up
                    samples[name].append(time.perf_counter() - start)
    finally:
        for client in clients.values():
            await client.aclose()
    return samples


def _request_threads(token: str) -> None:
    from tests.conftest import ServerProcess

    env = {"DATABASE_URL": os.environ["BENCH_DATABASE_URL"]}
    kept = ServerProcess(env)
    fresh = ServerProcess(env, app="tests.bench.reference_asgi:thread_per_request")
    try:
        urls = {"kept": kept.url, "fresh": fresh.url}
        one = asyncio.run(_one_at_a_time(urls, token))
        many = {name: [] for name in urls}
        for _round in range(2):
            for name, url in urls.items():
                many[name].append(asyncio.run(_http_throughput(url, token)))
    finally:
        kept.stop()
        fresh.stop()
    report(
        "authenticated GET /api/v1/me, one at a time, request threads kept (median)",
        median(one["kept"]),
        median(one["fresh"]),
        reference_name="a thread started and joined per request (Django's handler as it comes)",
    )
    report(
        "authenticated GET /api/v1/me, 20 at a time, request threads kept",
        median(many["kept"]),
        median(many["fresh"]),
        unit="req/s",
        reference_name="a thread started and joined per request",
        higher_is_better=True,
    )


def main() -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    setup_django()
    from mentoring.accounts.services.tokens import create_api_token
    from mentoring.models import User

    user, _ = User.objects.get_or_create(username="bench_asgi")
    token = create_api_token(user=user, name="bench")
    results = {}
    for server in ("uvicorn", "daphne"):
        process = start_server(server=server)
        try:
            rps = asyncio.run(_http_throughput(process.url, token))
            opens = asyncio.run(_socket_open_times(process.url, token))
        finally:
            process.stop()
        results[server] = (rps, median(opens))
    (u_rps, u_open), (d_rps, d_open) = results["uvicorn"], results["daphne"]
    report(
        "asgi http uvicorn req/s",
        u_rps,
        d_rps,
        unit="req/s",
        reference_name="daphne",
        higher_is_better=True,
    )
    report("asgi websocket open+ready uvicorn (median)", u_open, d_open, reference_name="daphne")
    _request_threads(token)


if __name__ == "__main__":
    main()
