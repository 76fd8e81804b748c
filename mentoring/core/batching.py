"""One database trip for many sockets: lookups that arrive together are answered together.

A websocket handshake asks a few small questions (whose token is this, whose session, may they
see this thread, what did they miss since N). Asked one socket at a time, each is a hop to the
database thread (``database_sync_to_async`` runs them all on one thread), a connection taken
from the pool and checked, and a query: when a class of 1,100 opens the board at once, or 10,000
sockets reconnect after a restart, the hops queue up behind each other. ``Batched`` gathers the
keys asked for while its previous trip was under way (or in the same loop turn) and answers
them all with one call of ``fetch(keys)``, which reads them in one query per kind.

Nothing is cached: every answer comes from the database at the time of its trip, so a revoked
token or an ended membership is never served from memory. One socket alone waits no longer than
before (one trip), and a storm makes fewer, larger trips instead of a queue of small ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from channels.db import database_sync_to_async

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# A trip reads at most this many keys (the rest wait for the next): the query's IN list and
# the trip's time stay bounded.
MAX_KEYS = 500


class _LoopState:
    __slots__ = ("busy", "scheduled", "waiting")

    def __init__(self) -> None:
        self.waiting: dict = {}
        self.scheduled = False
        self.busy = False


class Batched(Generic[K, V]):
    """``await batched(key)`` → ``fetch([keys])[key]`` (or ``default``), one trip for the keys
    that arrive together. ``fetch`` runs in the database thread and returns a dict."""

    def __init__(self, fetch: Callable[[list[K]], dict[K, V]], *, default: V | None = None):
        self.fetch = fetch
        self._fetch = database_sync_to_async(fetch)
        self.default = default
        self._loops: dict[asyncio.AbstractEventLoop, _LoopState] = {}
        self.trips = 0  # how many fetches ran (the benches and tests read it)

    def _state(self, loop: asyncio.AbstractEventLoop) -> _LoopState:
        state = self._loops.get(loop)
        if state is None:
            for old in [other for other in self._loops if other.is_closed()]:
                del self._loops[old]
            state = self._loops[loop] = _LoopState()
        return state

    async def __call__(self, key: K) -> V | None:
        loop = asyncio.get_running_loop()
        state = self._state(loop)
        future = loop.create_future()
        state.waiting.setdefault(key, []).append(future)
        if not state.busy and not state.scheduled:
            state.scheduled = True
            loop.call_soon(self._start, loop, state)
        return await future

    def _start(self, loop: asyncio.AbstractEventLoop, state: _LoopState) -> None:
        state.scheduled = False
        if state.busy or not state.waiting:
            return
        keys = list(state.waiting)[:MAX_KEYS]
        batch = {key: state.waiting.pop(key) for key in keys}
        state.busy = True
        loop.create_task(self._trip(loop, state, batch))

    async def _trip(self, loop, state: _LoopState, batch: dict) -> None:
        try:
            self.trips += 1
            found = await self._fetch(list(batch))
        except asyncio.CancelledError:
            for futures in batch.values():
                for future in futures:
                    future.cancel()
            raise
        except Exception as error:  # every waiter sees the failure, as a direct call would
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(error)
        else:
            for key, futures in batch.items():
                value = found.get(key, self.default)
                for future in futures:
                    if not future.done():
                        future.set_result(value)
        finally:
            state.busy = False
            if state.waiting:  # what arrived during the trip goes next, together
                self._start(loop, state)
