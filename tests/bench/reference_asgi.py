"""The app of ``config.asgi`` plus one socket written the plain Channels way, for the benches'
like-for-like references (never served in production).

``/ws/reference/threads/{id}/`` does what the usual Channels tutorial consumer would do for
the same page: behind the same middleware (origin check, session, bearer token, the sign-in
policy), it checks the same permission with the same selectors (``visible_thread`` and the
membership role, one ``database_sync_to_async`` call), joins a channel-layer group of its own
channel, accepts and sends a ``ready`` message. No log, no hub, no batching: what Staffroom's
thread socket (``/ws/threads/{id}/``) is measured against.

``GET /reference/participation/{cohort_id}`` is the participation endpoint's floor over HTTP:
the members' counter rows (``COUNTER_ROWS``) read by one raw query on one psycopg connection
and written as a JSON list, with no Django, no middleware, no authentication. The same server
process, port and HTTP stack as the API it is measured against.

``thread_per_request`` is Django's ASGI handler without ``config.asgi.RequestThreads``.
"""

from __future__ import annotations

import asyncio
import json
import os

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path

from config.asgi import application as staffroom
from config.asgi import django_asgi_app
from config.routing import websocket_urlpatterns
from mentoring.accounts.auth import BrowserOriginValidator, StaffroomAuthMiddlewareStack
from mentoring.boards.selectors import visible_thread
from mentoring.rules.permissions import is_tutor
from tests.bench.bench_participation import COUNTER_ROWS


@database_sync_to_async
def _thread_access(user, thread_id: int) -> tuple[int, bool] | None:
    thread = visible_thread(user=user, thread_id=thread_id)
    if thread is None:
        return None
    return thread.cohort_id, is_tutor(user, thread.cohort)


class PlainThreadConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        access = None
        if user is not None and user.is_authenticated:
            access = await _thread_access(user, thread_id)
        await self.accept()
        if access is None:
            await self.close(code=4403)
            return
        self.group = f"reference.thread.{thread_id}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "ready", "seq": 0})

    async def disconnect(self, code) -> None:
        group = getattr(self, "group", None)
        if group is not None:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_event(self, message) -> None:
        await self.send(text_data=message["text"])


REFERENCE_ROUTE = "ws/reference/threads/<int:thread_id>/"

REFERENCE_HTTP_PREFIX = "/reference/participation/"
_raw: dict = {}


async def _raw_connection():
    import psycopg

    from tests.bench.common import admin_conninfo

    if "db" not in _raw:
        _raw["lock"] = asyncio.Lock()
        _raw["db"] = await psycopg.AsyncConnection.connect(
            admin_conninfo(os.environ["DATABASE_URL"]), autocommit=True
        )
    return _raw["db"], _raw["lock"]


def _iso(value):
    return value.isoformat()


async def raw_participation(scope, receive, send) -> None:
    """The counter rows of a cohort as JSON objects, straight from one query."""
    cohort_id = int(scope["path"][len(REFERENCE_HTTP_PREFIX) :].strip("/"))
    db, lock = await _raw_connection()
    async with lock:
        cursor = await db.execute(COUNTER_ROWS, [cohort_id])
        names = [column.name for column in cursor.description]
        rows = await cursor.fetchall()
    body = json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=_iso).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def http(scope, receive, send) -> None:
    if scope["path"].startswith(REFERENCE_HTTP_PREFIX):
        await raw_participation(scope, receive, send)
    else:
        await staffroom(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": BrowserOriginValidator(
            StaffroomAuthMiddlewareStack(
                URLRouter(
                    [path(REFERENCE_ROUTE, PlainThreadConsumer.as_asgi()), *websocket_urlpatterns]
                )
            )
        ),
    }
)


# Django's HTTP handling as it comes: a thread started for each request and joined when it ends
# (bench_asgi's reference for ``config.asgi.RequestThreads``).
thread_per_request = ProtocolTypeRouter({"http": django_asgi_app})
