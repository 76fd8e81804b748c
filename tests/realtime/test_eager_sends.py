"""Sends start in the caller's step and only a slow client gets a task (``realtime.eager``):
order is kept, a stalled client is dropped with 1013 rather than holding memory, and a send
that waits can be cancelled."""

from __future__ import annotations

import asyncio

import pytest

from mentoring.realtime import consumers, eager

pytestmark = pytest.mark.asyncio


async def test_a_coroutine_that_never_waits_finishes_in_the_callers_step():
    done = []

    async def quick():
        done.append(1)

    assert eager.start(quick()) is None
    assert done == [1]  # no loop turn was needed


async def test_a_coroutine_that_waits_finishes_in_a_task_with_its_result_or_error():
    gate = asyncio.get_running_loop().create_future()
    seen = []

    async def waits():
        seen.append(await gate)
        try:
            await asyncio.sleep(0)  # a bare yield, resumed too
            raise ValueError("after the wait")
        except ValueError as error:
            seen.append(str(error))

    task = eager.start(waits())
    assert isinstance(task, asyncio.Task) and seen == []
    gate.set_result("opened")
    await asyncio.wait_for(task, 2)
    assert seen == ["opened", "after the wait"]


async def test_an_error_before_the_first_wait_reaches_the_caller():
    async def broken():
        raise RuntimeError("at once")

    with pytest.raises(RuntimeError, match="at once"):
        eager.start(broken())


async def test_cancelling_a_waiting_send_closes_it():
    gate = asyncio.get_running_loop().create_future()
    cleaned = []

    async def waits():
        try:
            await gate
        finally:
            cleaned.append(True)

    task = eager.start(waits())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True] and gate.cancelled()


class SlowClient:
    """A consumer's ASGI send that can be paused like a transport whose client stopped reading."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.writable = asyncio.Event()
        self.writable.set()

    async def __call__(self, message) -> None:
        await self.writable.wait()
        if message["type"] == "websocket.send":
            self.sent.append(message["text"])
        else:
            self.sent.append(f"<{message['type']} {message.get('code')}>")


def consumer(client: SlowClient) -> consumers.LiveConsumer:
    socket = consumers.LiveConsumer()
    socket.base_send = client
    socket.revoked = False
    socket.backlog = None
    socket.writer = None
    socket.hub = None
    return socket


async def test_a_client_that_keeps_up_is_written_at_once_and_a_slow_one_in_order():
    client = SlowClient()
    socket = consumer(client)
    socket._send("a")
    assert client.sent == ["a"] and socket.writer is None  # no task for a client keeping up
    client.writable.clear()
    for text in "bcd":
        socket._send(text)
    assert client.sent == ["a"] and socket.writer is not None
    assert list(socket.backlog) == ["c", "d"]  # "b" is the send waiting on the client
    client.writable.set()
    await asyncio.wait_for(socket.writer, 2)
    assert client.sent == ["a", "b", "c", "d"] and socket.writer is None


async def test_a_stalled_client_is_closed_with_1013_not_buffered_without_end(monkeypatch):
    monkeypatch.setattr(consumers, "MAX_BACKLOG", 3)
    client = SlowClient()
    socket = consumer(client)
    client.writable.clear()
    for n in range(10):
        socket._send(str(n))
    assert socket.revoked and not socket.backlog
    client.writable.set()
    await asyncio.sleep(0.05)
    # The send already waiting may still go out; nothing queued after it does.
    assert sorted(client.sent) == sorted(["0", f"<websocket.close {consumers.TRY_AGAIN_LATER}>"])
