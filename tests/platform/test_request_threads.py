"""Each HTTP request's synchronous part runs on a thread kept from earlier requests
(``config.asgi.RequestThreads``), never on a thread another request is still using."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.core.signals import request_started

from config.asgi import RequestThreads, application


async def _get(app, path: str = "/") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path)


def _app_recording(threads: list[threading.Thread], work=None):
    """An ASGI app whose request does its sync work where Django's would."""

    def sync_part() -> None:
        threads.append(threading.current_thread())
        if work is not None:
            work()

    async def app(scope, receive, send) -> None:
        await sync_to_async(sync_part)()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


async def test_one_request_after_another_reuses_the_thread():
    threads: list[threading.Thread] = []
    app = RequestThreads(_app_recording(threads))
    for _ in range(3):
        assert (await _get(app)).status_code == 204
    assert len({id(t) for t in threads}) == 1
    assert threads[0] is not threading.current_thread()  # never the event loop's thread


async def test_requests_at_the_same_time_each_have_a_thread():
    """Two requests whose sync parts must run at once (each waits for the other): on one
    shared thread they would never meet."""
    threads: list[threading.Thread] = []
    meet = threading.Barrier(2, timeout=5)
    app = RequestThreads(_app_recording(threads, work=meet.wait))
    responses = await asyncio.gather(_get(app), _get(app))
    assert [r.status_code for r in responses] == [204, 204]
    assert len({id(t) for t in threads}) == 2


async def test_a_thread_still_busy_when_its_request_ends_is_not_lent_again():
    """A request can end while its view still runs (the client went away): the next request
    must not wait behind it."""
    busy = threading.Event()
    release = threading.Event()
    seen: list[threading.Thread] = []
    left_running: list[asyncio.Future] = []

    def stuck() -> None:
        seen.append(threading.current_thread())
        busy.set()
        release.wait(5)

    async def leaves_its_view_running(scope, receive, send) -> None:
        left_running.append(asyncio.ensure_future(sync_to_async(stuck)()))
        await asyncio.to_thread(busy.wait, 5)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    threads: list[threading.Thread] = []
    first = RequestThreads(leaves_its_view_running)
    assert (await _get(first)).status_code == 204
    first.app = _app_recording(threads)
    try:
        assert (await asyncio.wait_for(_get(first), 3)).status_code == 204
        assert threads and threads[0] is not seen[0]
    finally:
        release.set()
        await asyncio.gather(*left_running, return_exceptions=True)


@pytest.mark.django_db(transaction=True)
async def test_django_requests_run_on_the_kept_thread():
    """Through the whole stack: Django's own per-request context uses the kept thread
    (its signal receivers run there), request after request."""
    threads: list[threading.Thread] = []

    def started(**kwargs) -> None:
        threads.append(threading.current_thread())

    request_started.connect(started)
    try:
        for _ in range(3):
            assert (await _get(application, "/healthz")).status_code == 200
    finally:
        request_started.disconnect(started)
    assert len(threads) == 3 and len({id(t) for t in threads}) == 1
    assert threads[0] is not threading.current_thread()
