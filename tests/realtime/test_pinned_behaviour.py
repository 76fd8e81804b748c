"""What the hub and the live sockets rely on that no dependency promises: one test each, so an
upgrade that changes it fails here rather than as lost or slow deliveries in production.

- asyncio's ``Future.__await__`` protocol (``_asyncio_future_blocking``), which the 3.11 shim of
  ``mentoring.realtime.eager`` drives by hand (3.12 and later use the standard library's eager
  tasks instead);
- Channels storing the server's own ``send`` as ``base_send``, which ``LiveConsumer._write``
  calls directly;
- Channels giving a consumer no channel layer (so no channel of its own) when its
  ``channel_layer_alias`` names none: sockets are fanned out by the hub instead;
- Channels hopping to the database thread (``aclose_old_connections``) before every message a
  consumer handles and once more on disconnect, which ``LiveConsumer`` leaves out (issue 24);
- uvicorn writing a websocket frame to a client that keeps up without suspending, which is what
  makes an eager send cost one write instead of one task.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys

import pytest
from channels import consumer as channels_consumer
from channels.exceptions import StopConsumer
from channels.generic import websocket as channels_websocket
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from mentoring.realtime import eager
from mentoring.realtime.consumers import LiveConsumer


# --- asyncio (Python 3.11: the eager shim) ---------------------------------------------------
def test_eager_uses_the_standard_library_from_python_3_12():
    assert eager.STANDARD_LIBRARY is (sys.version_info >= (3, 12))
    assert hasattr(asyncio, "eager_task_factory") is eager.STANDARD_LIBRARY


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the shim runs on Python 3.11 only")
async def test_an_awaited_future_is_yielded_itself_marked_blocking_and_resumes_when_reset():
    future = asyncio.get_running_loop().create_future()

    async def waits() -> str:
        return await future

    coroutine = waits()
    yielded = coroutine.send(None)
    # The shim waits on what the coroutine yields: it must be the future, flagged as a task
    # would see it, and resuming must work once the flag is cleared and the future is done.
    assert yielded is future
    assert future._asyncio_future_blocking is True
    future._asyncio_future_blocking = False
    future.set_result("done")
    with pytest.raises(StopIteration) as finished:
        coroutine.send(None)
    assert finished.value.value == "done"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the shim runs on Python 3.11 only")
async def test_sleep_zero_is_a_bare_yield():
    # The shim gives the loop one turn for anything that is not a future: sleep(0) yields None.
    coroutine = asyncio.sleep(0)
    assert coroutine.send(None) is None
    with pytest.raises(StopIteration):
        coroutine.send(None)


# --- Channels ---------------------------------------------------------------------------------
class Probe(LiveConsumer):
    """A live socket that records what Channels set up, then stops."""

    seen: dict = {}

    async def websocket_connect(self, message) -> None:
        Probe.seen = {
            "base_send": self.base_send,
            "layer": self.channel_layer,
            "channel": getattr(self, "channel_name", None),
        }
        raise StopConsumer()


async def run_probe() -> tuple[dict, object]:
    async def receive():
        return {"type": "websocket.connect"}

    async def send(message) -> None:  # the server's send
        raise AssertionError("nothing is sent")

    scope = {"type": "websocket", "path": "/ws/probe/", "headers": [], "query_string": b""}
    await asyncio.wait_for(Probe.as_asgi()(scope, receive, send), 5)
    return Probe.seen, send


async def test_channels_stores_the_servers_own_send_as_base_send():
    seen, send = await run_probe()
    # LiveConsumer._write calls self.base_send: it must be the server's send, not a wrapper.
    assert seen["base_send"] is send


async def test_an_alias_that_names_no_layer_gives_the_socket_no_layer_and_no_channel(settings):
    # Even where a default layer exists (Redis in production, in-memory here), the sockets' alias
    # resolves to none: a per-socket channel would bring back the losses the hub exists for.
    assert get_channel_layer() is not None
    assert LiveConsumer.channel_layer_alias not in settings.CHANNEL_LAYERS
    assert get_channel_layer(LiveConsumer.channel_layer_alias) is None
    seen, _ = await run_probe()
    assert seen["layer"] is None and seen["channel"] is None


class PlainSocket(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()


class LiveSocket(LiveConsumer):
    async def connect(self) -> None:  # no user, no hub: only Channels' message loop
        self.hub = self.writer = None
        await self.accept()


async def hops_in_a_sockets_life(consumer, monkeypatch) -> int:
    """Connect, a message, disconnect: how many ``aclose_old_connections`` hops were made."""
    hops = []

    async def counted() -> None:
        hops.append(1)

    monkeypatch.setattr(channels_consumer, "aclose_old_connections", counted)
    monkeypatch.setattr(channels_websocket, "aclose_old_connections", counted)
    messages = iter(
        [
            {"type": "websocket.connect"},
            {"type": "websocket.receive", "text": "[]"},
            {"type": "websocket.disconnect", "code": 1000},
        ]
    )

    async def receive():
        return next(messages)

    async def send(message) -> None:
        pass

    scope = {"type": "websocket", "path": "/ws/probe/", "headers": [], "query_string": b""}
    await asyncio.wait_for(consumer.as_asgi()(scope, receive, send), 5)
    return len(hops)


async def test_channels_hops_to_the_database_thread_before_every_message(monkeypatch):
    # Channels 4.2+: one hop per message and one more on disconnect. LiveConsumer overrides
    # ``dispatch`` and ``websocket_disconnect`` to leave them out; if Channels stops making
    # them (or moves them), those overrides are to be reviewed.
    assert await hops_in_a_sockets_life(PlainSocket, monkeypatch) == 4
    assert await hops_in_a_sockets_life(LiveSocket, monkeypatch) == 0


# --- uvicorn ----------------------------------------------------------------------------------
@pytest.mark.parametrize("deflate", [False, True], ids=["as deployed", "uvicorn's default"])
async def test_uvicorn_writes_a_frame_to_a_client_that_keeps_up_without_suspending(deflate):
    import uvicorn
    import websockets

    outcome: dict[str, bool] = {}

    async def app(scope, receive, send) -> None:
        assert scope["type"] == "websocket"
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        for n in range(3):
            message = {"type": "websocket.send", "text": json.dumps(n)}
            coroutine = send(message)
            try:
                coroutine.send(None)
            except StopIteration:
                outcome.setdefault("suspended", False)
            else:  # it waited before writing: say so, and send it the ordinary way
                outcome["suspended"] = True
                coroutine.close()
                await send(message)
        await receive()  # until the client goes

    # The server the project runs: uvicorn's default websocket implementation ("auto").
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # Deployed with UVICORN_WS_PER_MESSAGE_DEFLATE=false (platform/deploy/env.example).
    config = uvicorn.Config(
        app, lifespan="off", log_level="warning", ws="auto", ws_per_message_deflate=deflate
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        for _ in range(100):
            if server.started:
                break
            await asyncio.sleep(0.05)
        async with websockets.connect(f"ws://127.0.0.1:{port}/", open_timeout=5) as client:
            received = [json.loads(await asyncio.wait_for(client.recv(), 5)) for _ in range(3)]
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
        listener.close()
    assert received == [0, 1, 2]
    assert outcome == {"suspended": False}
