"""The base of every websocket consumer: authenticate, ask the subclass what the user may
follow, subscribe, replay, forward.

Each feature's sockets are a ``LiveConsumer`` in its own ``consumers.py``, which says which
stream the connected user may follow (``authorize``) and lists its routes
(``websocket_urlpatterns``, collected by ``config.routing``): ``mentoring.boards.consumers``
(threads, boards), ``mentoring.notifications.consumers``, ``mentoring.participation.consumers``
(the cohort dashboard). No business logic: what to send is decided by the features' events
modules, and delivery by this process's hub (``mentoring.realtime.hub``). Anyone not allowed is
accepted and then closed with 4403, so clients can tell "forbidden" from a network error.

A socket's first message is ``{"type": "ready", "seq": N}``. With ``?since=N`` the events that
followed N come next, or ``{"type": "resync", "seq": M}`` when they cannot be replayed (the
client refetches and carries on from M); then live events, each with its ``seq``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from mentoring.core.batching import Batched
from mentoring.realtime import eager, hub, log
from mentoring.realtime.schemas import Ready, Resync

FORBIDDEN = 4403
# A socket this far behind (a stalled client) is closed: it reconnects with ?since= instead of
# holding the server's memory.
MAX_BACKLOG = 2000
TRY_AGAIN_LATER = 1013

# (stream, since) → (current seq, what followed): sockets catching up together (a reconnect
# storm after a restart) read the log once per stream.
_events_after = Batched(log.events_after_many)


@dataclass(frozen=True)
class Subscription:
    stream: str
    audience: str = "member"  # or "tutor": which encoding of each event this socket gets
    cohort_id: int | None = None  # removal from this cohort closes the socket


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Base consumer: subclasses say which stream the connected user may follow, or None."""

    # The hub joins each stream's group once per process: sockets need no channel of their own.
    # An alias that names no layer gives none (pinned by tests/realtime/test_pinned_behaviour.py).
    channel_layer_alias = "live-sockets-use-the-hub"

    user_id: int | None = None
    cohort_id: int | None = None
    session_key: str | None = None
    token_id: int | None = None

    async def authorize(self, user) -> Subscription | None:
        raise NotImplementedError

    async def connect(self) -> None:
        self.revoked = False
        self.last_seq = 0
        self.audience = "member"
        # Texts waiting behind a send that had to wait for a slow client (see _send); made for
        # the first one (an empty deque is 760 bytes, 7 MB for 10,000 sockets that keep up).
        self.backlog: deque[str] | None = None
        self.held: list[tuple[int, dict[str, str]]] | None = []  # pushes during the catch-up
        # The send still waiting on a slow client, if any (None: the socket keeps up).
        self.writer: asyncio.Task | None = None
        self.streaming = False  # subscribed: a revocation from now on closes the socket
        self.hub: hub.Hub | None = None
        user = self.scope.get("user")
        subscription = None
        if user is not None and user.is_authenticated:
            self.user_id = user.pk
            self.token_id = self.scope.get("auth_token_id")
            session = self.scope.get("session")
            if self.token_id is None and session is not None:
                self.session_key = session.session_key
            self.hub = hub.hub()
            self.hub.track(self)
            subscription = await self.authorize(user)
        await self.accept()
        if subscription is None or self.revoked:
            await self._refuse()
            return
        self.audience, self.cohort_id = subscription.audience, subscription.cohort_id
        self.streaming = True
        start = await self.hub.join(subscription.stream, self)
        since = self._since()
        if since is None:
            self.last_seq = start
            self._send(Ready(seq=start).model_dump_json())
        else:
            current, missed = await _events_after((subscription.stream, since))
            self._send(Ready(seq=since).model_dump_json())
            if missed is None:
                self._send(Resync(seq=current).model_dump_json())
            else:
                for event in missed:
                    self._send(event.texts()[self.audience])
            self.last_seq = current
        held, self.held = self.held or [], None
        for seq, texts in sorted(held, key=lambda item: item[0]):
            self.push(seq, texts)

    def _since(self) -> int | None:
        values = parse_qs(self.scope.get("query_string", b"").decode("latin1")).get("since")
        if not values:
            return None
        try:
            since = int(values[-1])
        except ValueError:
            return -1  # nothing to replay from: resync
        return since if since >= 0 else -1

    async def _refuse(self) -> None:
        if self.hub is not None:
            self.hub.forget(self)
        await self.close(code=FORBIDDEN)

    # --- called by the hub (in this event loop) --------------------------------------------
    def push(self, seq: int, texts: dict[str, str]) -> None:
        if self.revoked:
            return
        if self.held is not None:
            self.held.append((seq, texts))
            return
        if seq <= self.last_seq:
            return
        self.last_seq = seq
        self._send(texts[self.audience])

    def resync(self, seq: int) -> None:
        if self.revoked or self.held is not None:
            return
        self.last_seq = seq
        self._send(Resync(seq=seq).model_dump_json())

    def revoke(self) -> None:
        """Access is gone: drop what is queued, close with 4403 now."""
        if self.revoked:
            return
        self.revoked = True
        if self.hub is not None:
            self.hub.forget(self)
        self.backlog = None
        if self.writer is not None:
            self.writer.cancel()
        if self.streaming:  # before that, connect() sees ``revoked`` and refuses
            asyncio.get_running_loop().create_task(self.close(code=FORBIDDEN))

    # --- sending ---------------------------------------------------------------------------
    def _send(self, text: str) -> None:
        """Write ``text`` now if the socket keeps up, else queue it behind the waiting send.

        The write starts in the caller's step (``eager``): a hub delivering one event to
        10,000 sockets makes 10,000 writes, not 10,000 task wake-ups. Only a client that reads
        slowly gets a task, and it holds up only itself.
        """
        if self.revoked:
            return
        if self.writer is not None:
            if self.backlog is None:
                self.backlog = deque()
            elif len(self.backlog) >= MAX_BACKLOG:
                self._drop_stalled()
                return
            self.backlog.append(text)
            return
        self.writer = eager.start(self._write(text))

    async def _write(self, text: str) -> None:
        # ``base_send`` is the server's own send (Channels; pinned in test_pinned_behaviour.py):
        # one call that, for a client keeping up, writes without suspending (uvicorn; pinned too).
        try:
            await self.base_send({"type": "websocket.send", "text": text})
            while self.backlog:
                await self.base_send({"type": "websocket.send", "text": self.backlog.popleft()})
        except Exception:  # the client went away: disconnect() cleans up
            self.backlog = None
        finally:
            self.writer = None

    def _drop_stalled(self) -> None:
        """Too far behind: stop queueing; it catches up with ?since= when it reconnects."""
        self.revoked = True
        self.backlog = None
        if self.hub is not None:
            self.hub.forget(self)
        asyncio.get_running_loop().create_task(self.close(code=TRY_AGAIN_LATER))

    # --- Channels' message loop, without its thread hops ----------------------------------------
    async def dispatch(self, message) -> None:
        """Channels' ``dispatch`` without the ``aclose_old_connections()`` it awaits before
        every message (pinned in test_pinned_behaviour.py): a hop to the database thread for
        each socket's connect, disconnect and ping, queued behind the handshakes' batched
        trips, that a socket never needs: it reads the database only through
        ``database_sync_to_async`` (``Batched``), which closes old connections around each
        call in that thread. Each hop also left the socket's context holding a fresh copy of
        every ``asgiref.local`` value of the process (~9 KiB a socket, kept while it is open;
        asgiref re-homes them on the way back). Issue 24."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message) -> None:
        # Channels' own also leaves its groups (a live socket has none: the hub joins them)
        # and hops to the database thread once more.
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code) -> None:
        if self.hub is not None:
            self.hub.forget(self)
        if self.writer is not None:
            self.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.writer

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
