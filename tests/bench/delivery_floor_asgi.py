"""The floor for ``bench_sockets``' delivery latency: a bare ASGI broadcast server (never part
of the product; only ``bench_sockets`` starts it).

Any websocket path is accepted with no authentication, answered with the same first frame as
Staffroom's thread socket (``{"type":"ready","seq":0}``) and kept in one list. ``POST /trigger
?seq=K&size=N`` reads its body (a real post's JSON, ``{"body": ...}``, of the same size) and
writes one frame of exactly N bytes carrying ``"seq":K`` to every socket, in one plain loop of
awaited ASGI sends, before it answers (with how long the loop took). ``GET /healthz`` answers
200 (``ServerProcess`` waits for it).

Why it is the floor: it is served the way ``ServerProcess`` serves Staffroom (the same uvicorn
command and flags, uvloop, httptools, the same websockets implementation uvicorn picks, no
per-message deflate, the same allocator), to the same client code (``bench_sockets.Client``,
``open_all``), and the bench sends it a body and asks for a frame of the size of the live post
it alternates with. What it leaves out is everything Staffroom does between a request and the
sockets: no Django, no middleware, no token, no database, no event log, no hub, no channel
layer, no per-socket queue, no slices (every write in the trigger's own step, and the response
only after the last one). Delivery cannot get faster than this on the same machine with the
same client; the ratio to it is what Staffroom's own path costs.
"""

from __future__ import annotations

import json
import time
import urllib.parse

READY = json.dumps({"type": "ready", "seq": 0}, separators=(",", ":"))
# Insertion-ordered, so the loop writes in the order the sockets came (as the hub does).
_sockets: dict = {}


def frame(seq: int, body: str, size: int) -> str:
    """A post frame of exactly ``size`` UTF-8 bytes (padded with spaces) carrying ``"seq":``."""
    text = json.dumps({"type": "post", "seq": seq, "body": body}, separators=(",", ":"))
    while len(text.encode()) > size and body:
        body = body[: len(body) - max(1, len(text.encode()) - size)]
        text = json.dumps({"type": "post", "seq": seq, "body": body}, separators=(",", ":"))
    return text[:-1] + " " * max(0, size - len(text.encode())) + "}"


async def _socket(scope, receive, send) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": READY})
    _sockets[send] = None
    try:
        while (await receive())["type"] != "websocket.disconnect":
            pass
    finally:
        del _sockets[send]


async def _respond(send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _trigger(scope, receive, send) -> None:
    request = b""
    while True:
        message = await receive()
        request += message.get("body", b"")
        if not message.get("more_body"):
            break
    query = urllib.parse.parse_qs(scope["query_string"].decode())
    text = frame(int(query["seq"][0]), json.loads(request)["body"], int(query["size"][0]))
    sent, started = 0, time.perf_counter()
    for socket in list(_sockets):
        try:
            await socket({"type": "websocket.send", "text": text})
            sent += 1
        except Exception:  # the client went away
            pass
    seconds = time.perf_counter() - started  # the server's own writing, for the bench's note
    await _respond(send, 200, json.dumps({"sent": sent, "seconds": seconds}).encode())


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope, receive, send) -> None:
    if scope["type"] == "websocket":
        await _socket(scope, receive, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["path"] == "/trigger" and scope["method"] == "POST":
        await _trigger(scope, receive, send)
    elif scope["path"] == "/healthz":
        await _respond(send, 200, b'{"ok":true}')
    else:
        await _respond(send, 404, b"{}")
