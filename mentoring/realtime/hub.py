"""Fan-out of live events to the sockets of this process, and between processes.

Why the hub exists, rather than one channel-layer channel per socket in a group (Channels' usual
way): measured on this project (issue 12), plain Channels groups on channels-redis lost 13–15%
of deliveries at 1,100 sockets on one thread and 5 posts/s, where the hub lost none; at 10,000
sockets and 1 post/s plain groups delivered 33%, the hub 100%. For 1,100 sockets on a thread,
the in-memory layer deep-copies each message 1,100 times and silently drops what overflows a
channel, the Redis layer makes 1,100 round trips per event, and each socket encodes the same
JSON again. Here each process has one ``Hub`` (per event loop) that joins each stream's
group once; an event arrives already encoded per audience (member/tutor) and is handed to every
local socket as the same string. The features know nothing of this: they name their streams and
send through ``mentoring.realtime.events``; their sockets extend
``mentoring.realtime.consumers.LiveConsumer``.

Nothing is silently lost: events are logged with a per-stream ``seq`` before they are sent
(``mentoring.realtime.log``). The hub forwards a stream's events strictly in seq order; when one
is missing (a full channel, a Redis outage, another process's message overtaking) it reads the
gap back from the log, and every ``POLL_SECONDS`` it compares its streams with the log in one
query, so even a dropped last message arrives, late. Where the log no longer has the gap, the
sockets get ``resync``.

Sending never blocks the request: the local hub is handed the event with
``call_soon_threadsafe``, and the cross-process ``group_send`` runs on a background thread.
Access revocations travel the same way, on a control group every hub joins, and close the
matching sockets before any later event of this process reaches them.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from mentoring.core.batching import Batched
from mentoring.realtime import log

logger = logging.getLogger(__name__)

CONTROL_GROUP = "mentoring.live.control"
POLL_SECONDS = 2.0
# How long a later event waits for the one before it (sent by another process) before the hub
# reads the gap from the log.
REORDER_WAIT = 0.25
REGROUP_SECONDS = 60.0
# An event for more local sockets than this is written a slice per loop turn, so that what the
# loop owes others meanwhile (above all, the response to the post that caused the event) is not
# held up behind 10,000 writes.
DELIVERY_SLICE = 500
# When at least this many sockets were open and half of them have gone, the hub gives the
# memory they held back to the system (``release_memory``) once the crowd has left: RELEASE_DELAY
# after the last of them went, or RELEASE_MAX_WAIT after the first if they keep trickling out.
RELEASE_AFTER = 1000
RELEASE_DELAY = 3.0
RELEASE_MAX_WAIT = 30.0


class Subscriber(Protocol):
    """What the hub needs of a socket (``mentoring.realtime.consumers.LiveConsumer``)."""

    user_id: int | None
    cohort_id: int | None
    session_key: str | None
    token_id: int | None

    def push(self, seq: int, texts: dict[str, str]) -> None: ...

    def resync(self, seq: int) -> None: ...

    def revoke(self) -> None: ...


@dataclass(frozen=True)
class Revocation:
    """Whose sockets lose access: by API token, by session, by user (in one cohort or, with
    ``sessions_only``, those signed in by a session)."""

    user_id: int | None = None
    cohort_id: int | None = None
    session_key: str | None = None
    token_id: int | None = None
    sessions_only: bool = False

    def matches(self, socket: Subscriber) -> bool:
        if self.token_id is not None:
            return socket.token_id == self.token_id
        if self.session_key is not None:
            return socket.session_key == self.session_key
        if self.user_id is None or socket.user_id != self.user_id:
            return False
        if self.cohort_id is not None:
            return socket.cohort_id == self.cohort_id
        if self.sessions_only:
            return socket.token_id is None
        return True


@dataclass
class _Stream:
    last: int | None = None  # None until the log's current seq is read
    sockets: set = field(default_factory=set)
    pending: dict[int, dict[str, str]] = field(default_factory=dict)
    repairing: bool = False
    # Events in order, being written to the sockets (a slice per loop turn; while this is not
    # empty a continuation is scheduled); ``last`` already counts them, so a socket joining now
    # starts after them.
    outgoing: deque = field(default_factory=deque)
    # Set once ``last`` is read: sockets joining meanwhile wait for it.
    ready: asyncio.Future | None = None


def cross_process_layer():
    """The channel layer that reaches other processes, or None (the in-memory layer cannot)."""
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return None
    return layer


_current_seqs = database_sync_to_async(log.current_seqs)
_events_after = database_sync_to_async(log.events_after)
# The first socket on each stream reads where it stands; many streams opening together (every
# user's notifications after a restart) are read in one query.
_current_seq = Batched(log.current_seqs)


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.streams: dict[str, _Stream] = {}
        self.tracked: set = set()
        self.layer = None
        self.channel: str | None = None
        self._tasks: list[asyncio.Task] = []
        # Socket → the streams it joined, so that forgetting one socket touches only those
        # (not every stream of the process: 10,000 notification streams, 10,000 sockets).
        self.joined: dict[Subscriber, set[str]] = {}
        self.peak = 0  # most sockets tracked since memory was last released
        self._release: asyncio.TimerHandle | None = None
        self._left_at = 0.0  # when the last socket of a leaving crowd went
        self._release_by = 0.0

    # --- sockets ---------------------------------------------------------------------------
    def track(self, socket: Subscriber) -> None:
        """Start watching ``socket`` for revocations (before its permission check, so a
        revocation during the check still reaches it)."""
        self.tracked.add(socket)
        self.peak = max(self.peak, len(self.tracked))
        if not self._tasks:
            self.layer = cross_process_layer()
            self._tasks.append(self.loop.create_task(self._poll()))
            if self.layer is not None:
                self._tasks.append(self.loop.create_task(self._receive()))

    async def join(self, stream: str, socket: Subscriber) -> int:
        """Add ``socket`` to ``stream``; returns the seq after which the hub will push to it."""
        while True:
            state = self.streams.get(stream)
            if state is None:
                state = self.streams[stream] = _Stream(ready=self.loop.create_future())
                try:
                    if self.layer is not None and self.channel is not None:
                        await self.layer.group_add(stream, self.channel)
                except Exception:  # Redis down: the poll reads the log until it is back.
                    logger.warning("could not join %s on the channel layer", stream)
                try:
                    # Events arriving during this read wait in ``pending``.
                    state.last = await _current_seq(stream)
                except BaseException:
                    if self.streams.get(stream) is state:
                        del self.streams[stream]
                    raise
                finally:
                    state.ready.set_result(None)
                self._drain(state)
            elif state.last is None:
                await asyncio.shield(state.ready)
                continue  # read again: it may have failed, or its sockets may have left
            state.sockets.add(socket)
            self.joined.setdefault(socket, set()).add(stream)
            return state.last

    def forget(self, socket: Subscriber) -> None:
        self.tracked.discard(socket)
        for name in self.joined.pop(socket, ()):
            state = self.streams.get(name)
            if state is None:
                continue
            state.sockets.discard(socket)
            if not state.sockets and state.last is not None:
                del self.streams[name]
                if self.layer is not None and self.channel is not None:
                    self.loop.create_task(self._discard(name, self.channel))
        if self.peak >= RELEASE_AFTER and len(self.tracked) <= self.peak // 2:
            self._left_at = self.loop.time()
            if self._release is None:
                self._release_by = self._left_at + RELEASE_MAX_WAIT
                self._release = self.loop.call_later(RELEASE_DELAY, self._release_memory)
        if not self.tracked:
            self.stop()

    def _release_memory(self) -> None:
        """Once the crowd has gone: released while its last sockets were still closing, what
        they held stayed (fewer than RELEASE_AFTER were left to ask for another release)."""
        now = self.loop.time()
        quiet = min(self._left_at + RELEASE_DELAY, self._release_by)
        if quiet > now:
            self._release = self.loop.call_later(quiet - now, self._release_memory)
            return
        self._release = None
        self.peak = len(self.tracked)
        release_memory()

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        if self.layer is not None and self.channel is not None:
            self.loop.create_task(self._discard(CONTROL_GROUP, self.channel))
        self.channel = None

    async def _discard(self, group: str, channel: str) -> None:
        if group in self.streams and channel == self.channel:
            return  # a socket joined that stream again meanwhile
        try:
            await self.layer.group_discard(group, channel)
        except Exception:
            logger.debug("could not leave %s", group)

    # --- events ----------------------------------------------------------------------------
    def publish(self, stream: str, seq: int, texts: dict[str, str]) -> None:
        """Forward an event to this process's sockets on ``stream``, in seq order."""
        state = self.streams.get(stream)
        if state is None:
            return
        if state.last is None or seq > state.last + 1:
            state.pending[seq] = texts
            if state.last is not None:
                self._repair_soon(stream, state, REORDER_WAIT)
            return
        if seq == state.last + 1:
            self._deliver(state, seq, texts)
            self._drain(state)

    def _deliver(self, state: _Stream, seq: int, texts: dict[str, str]) -> None:
        state.last = seq
        state.outgoing.append((seq, texts))
        if len(state.outgoing) == 1:  # nothing under way: start now
            self._write_out(state)

    def _write_out(self, state: _Stream, sockets: list | None = None, start: int = 0) -> None:
        """Write the stream's events in order, each to the sockets there were when its turn
        came, at most DELIVERY_SLICE writes per loop turn."""
        budget = DELIVERY_SLICE
        while state.outgoing:
            seq, texts = state.outgoing[0]
            if sockets is None:
                sockets, start = list(state.sockets), 0
            end = min(start + budget, len(sockets))
            for socket in sockets[start:end]:
                socket.push(seq, texts)
            budget -= end - start
            if end < len(sockets):
                self.loop.call_soon(self._write_out, state, sockets, end)
                return
            state.outgoing.popleft()
            sockets = None
            if budget <= 0 and state.outgoing:
                self.loop.call_soon(self._write_out, state)
                return

    def _drain(self, state: _Stream) -> None:
        while state.last is not None and state.last + 1 in state.pending:
            self._deliver(state, state.last + 1, state.pending.pop(state.last + 1))
        for seq in [s for s in state.pending if state.last is not None and s <= state.last]:
            del state.pending[seq]

    def _repair_soon(self, stream: str, state: _Stream, wait: float) -> None:
        if not state.repairing:
            state.repairing = True
            self.loop.create_task(self._repair(stream, state, wait))

    async def _repair(self, stream: str, state: _Stream, wait: float) -> None:
        """Read what this process missed of ``stream`` from the log and forward it."""
        try:
            await asyncio.sleep(wait)
            if self.streams.get(stream) is not state:
                return
            current, events = await _events_after(stream, state.last)
            if events is None:
                state.last = current
                for socket in list(state.sockets):
                    socket.resync(current)
            else:
                for event in events:
                    if event.seq == state.last + 1:
                        self._deliver(state, event.seq, event.texts())
            self._drain(state)
        except Exception:
            logger.exception("could not catch up on %s", stream)
        finally:
            state.repairing = False

    def revoke(self, revocation: Revocation) -> None:
        for socket in list(self.tracked):
            if revocation.matches(socket):
                socket.revoke()

    # --- background tasks ------------------------------------------------------------------
    async def _poll(self) -> None:
        """Compare every stream with the log, in one query: a dropped last message (or all of
        them, while Redis is down) arrives within POLL_SECONDS."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            names = [name for name, state in self.streams.items() if state.last is not None]
            if not names:
                continue
            try:
                current = await _current_seqs(names)
            except Exception:
                logger.warning("live poll: the database is not answering")
                continue
            for name, seq in current.items():
                state = self.streams.get(name)
                if state is not None and state.last is not None and seq > state.last:
                    self._repair_soon(name, state, 0)

    async def _receive(self) -> None:
        """Events from other processes. On a channel-layer failure, back off and rejoin every
        group on a fresh channel (a restarted Redis has forgotten them)."""
        backoff = 0.5
        joined_at = 0.0
        while True:
            try:
                if self.channel is None or self.loop.time() - joined_at > REGROUP_SECONDS:
                    self.channel = self.channel or await self.layer.new_channel()
                    for group in [CONTROL_GROUP, *self.streams]:
                        await self.layer.group_add(group, self.channel)
                    joined_at = self.loop.time()
                message = await self.layer.receive(self.channel)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("channel layer unavailable; retrying in %.1fs", backoff)
                self.channel = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            kind = message.get("type")
            if kind == "live.event":
                self.publish(message["stream"], message["seq"], message["texts"])
            elif kind == "live.revoke":
                self.revoke(Revocation(**message["revocation"]))


# --- Memory after a crowd --------------------------------------------------------------------
_libc = None
if ctypes.util.find_library("c"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c"))
        _libc.malloc_trim  # glibc only  # noqa: B018
    except (OSError, AttributeError):
        _libc = None


def release_memory() -> None:
    """Collect what the closed sockets left (reference cycles of consumers, tasks and frames)
    and hand the freed heap back to the system (glibc's ``malloc_trim``): without it a process
    that held 10,000 sockets stays at that size after they have all gone (issue 24)."""
    gc.collect()
    if _libc is not None:
        _libc.malloc_trim(0)


# --- The process's hubs and the sending side -------------------------------------------------
_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}
_hubs_lock = threading.Lock()


def hub() -> Hub:
    """This event loop's hub (one per server process; tests run one loop per test)."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        for other in [old for old in _hubs if old.is_closed()]:
            del _hubs[other]
        if loop not in _hubs:
            _hubs[loop] = Hub(loop)
        return _hubs[loop]


def _to_local_hubs(method: str, *args: Any) -> None:
    with _hubs_lock:
        hubs = list(_hubs.items())
    for loop, local in hubs:
        try:
            loop.call_soon_threadsafe(getattr(local, method), *args)
        except RuntimeError:  # that loop is closed
            with _hubs_lock:
                _hubs.pop(loop, None)


def publish(stream: str, seq: int, texts: dict[str, str]) -> None:
    """Hand a logged event to every hub, from any thread, without waiting for anything."""
    _to_local_hubs("publish", stream, seq, texts)
    layer = cross_process_layer()
    if layer is not None:
        message = {"type": "live.event", "stream": stream, "seq": seq, "texts": texts}
        _sender.submit(lambda: layer.group_send(stream, message))


def revoke(revocation: Revocation) -> None:
    _to_local_hubs("revoke", revocation)
    layer = cross_process_layer()
    if layer is not None:
        message = {"type": "live.revoke", "revocation": revocation.__dict__}
        _sender.submit(lambda: layer.group_send(CONTROL_GROUP, message))


class _Sender:
    """One background thread with its own event loop that sends to the channel layer in order.

    The request that caused an event returns without waiting for Redis; when Redis is slow or
    down, sends queue here (bounded) and the receivers' poll catches up from the log."""

    MAX_QUEUED = 10_000

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._lock = threading.Lock()

    def submit(self, send: Callable[[], Awaitable[None]]) -> None:
        loop, queue = self._start()
        loop.call_soon_threadsafe(self._put, queue, send)

    @staticmethod
    def _put(queue: asyncio.Queue, send: Callable[[], Awaitable[None]]) -> None:
        try:
            queue.put_nowait(send)
        except asyncio.QueueFull:
            logger.warning("live sender backlog full; receivers will read the log instead")

    def _start(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue]:
        with self._lock:
            if self._loop is None:
                ready = threading.Event()

                def run() -> None:
                    loop = asyncio.new_event_loop()
                    asyncio.set_event_loop(loop)
                    self._queue = asyncio.Queue(self.MAX_QUEUED)
                    self._loop = loop
                    ready.set()
                    loop.run_until_complete(self._work())

                threading.Thread(target=run, name="live-sender", daemon=True).start()
                ready.wait()
            return self._loop, self._queue

    async def _work(self) -> None:
        while True:
            send = await self._queue.get()
            try:
                await asyncio.wait_for(send(), timeout=5)
            except Exception:
                logger.warning("could not send a live event to the channel layer", exc_info=True)


_sender = _Sender()
