"""Start a coroutine now, in the caller's step, and make a task of it only if it must wait.

Python 3.12 has this built in (``asyncio.eager_task_factory``); this is the same for 3.11, for
one use: a websocket send. Writing a frame to a socket that is keeping up never waits (uvicorn
only waits while the transport is paused), so an event fanned out to 10,000 sockets costs
10,000 writes rather than 10,000 tasks, queue wake-ups and loop turns. A send to a client that
reads slowly suspends, and carries on in a task of its own, so it holds up only itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def start(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task | None:
    """Run ``coroutine`` until it finishes (None) or first waits (the task that finishes it).

    Exceptions raised before the first wait propagate to the caller, as a direct call's would.
    """
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
