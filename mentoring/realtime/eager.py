"""Start a coroutine now, in the caller's step, and make it a task only if it must wait.

For one use: a websocket send. Writing a frame to a socket that is keeping up never waits
(uvicorn only waits while the transport is paused), so an event fanned out to 10,000 sockets
costs 10,000 writes rather than 10,000 tasks, queue wake-ups and loop turns. A send to a client
that reads slowly suspends, and carries on in a task of its own, so it holds up only itself.

Python 3.12 and later have this built in, and ``start`` uses it
(``asyncio.eager_task_factory``). On 3.11 ``start`` is a shim with the same behaviour, driving
the coroutine by hand until its first wait; it relies on asyncio's ``Future.__await__`` protocol
(the awaited future is yielded with ``_asyncio_future_blocking`` set), which
``tests/realtime/test_pinned_behaviour.py`` pins.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

STANDARD_LIBRARY = sys.version_info >= (3, 12)


def start(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task | None:
    """Run ``coroutine`` until it finishes (None) or first waits (the task that finishes it).

    Exceptions raised before the first wait propagate to the caller, as a direct call's would.
    """
    if STANDARD_LIBRARY:
        return _start_eager_task(coroutine)
    return _start_by_hand(coroutine)


def _start_eager_task(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task | None:
    task = asyncio.eager_task_factory(asyncio.get_running_loop(), coroutine)
    if task.done():
        task.result()  # an error before the first wait reaches the caller (and is retrieved)
        return None
    return task


# --- Python 3.11 ----------------------------------------------------------------------------
def _start_by_hand(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task | None:
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:
        return None
    task = asyncio.get_running_loop().create_task(_finish(coroutine, waiting_on))

    def closed(task: asyncio.Task) -> None:
        # Cancelled, perhaps before its first step: cancel what the coroutine waits on and
        # close it (its ``finally`` blocks run). A finished coroutine ignores close().
        if task.cancelled():
            if isinstance(waiting_on, asyncio.Future):
                waiting_on.cancel()
            coroutine.close()

    task.add_done_callback(closed)
    return task


async def _finish(coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    """Drive the rest of ``coroutine`` as a task would: wait for what it yielded, resume it."""
    while True:
        if isinstance(waiting_on, asyncio.Future):
            waiting_on._asyncio_future_blocking = False
            # asyncio.wait does not raise the future's own error or cancellation: the
            # coroutine reads the outcome itself when resumed (Future.__await__).
            await asyncio.wait((waiting_on,))
        else:  # a bare ``yield``: give the loop one turn
            await asyncio.sleep(0)
        try:
            waiting_on = coroutine.send(None)
        except StopIteration:
            return
