"""The bench's server for ``bench_coediting``: Staffroom's own ASGI application plus a plain
websocket relay at ``/bench/relay`` (each binary message to every other socket there, nothing
checked, stored or decoded): the reference a live solution's fan-out is measured against, in
the same process. Never part of the product: only ``bench_coediting`` starts it."""

from __future__ import annotations

from config.asgi import application as staffroom

_relay: set = set()


async def _relay_socket(scope, receive, send) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    _relay.add(send)
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes")
            if data is None:
                continue
            for other in list(_relay):
                if other is not send:
                    try:
                        await other({"type": "websocket.send", "bytes": data})
                    except Exception:
                        _relay.discard(other)
    finally:
        _relay.discard(send)


async def application(scope, receive, send) -> None:
    if scope["type"] == "websocket" and scope["path"] == "/bench/relay":
        await _relay_socket(scope, receive, send)
        return
    await staffroom(scope, receive, send)
