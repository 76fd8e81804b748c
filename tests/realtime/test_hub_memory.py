"""The hub hands a crowd's memory back once the crowd has gone (issue 24)."""

from __future__ import annotations

import asyncio

import pytest

from mentoring.realtime import hub as hub_module

pytestmark = pytest.mark.asyncio


class Socket:
    user_id = cohort_id = session_key = token_id = None

    def push(self, seq, texts) -> None: ...

    def resync(self, seq) -> None: ...

    def revoke(self) -> None: ...


@pytest.fixture
async def releases(monkeypatch):
    """How many sockets were still tracked at each release of memory."""
    seen: list[int] = []
    monkeypatch.setattr(hub_module, "RELEASE_AFTER", 8)
    monkeypatch.setattr(hub_module, "RELEASE_DELAY", 0.1)
    monkeypatch.setattr(hub_module, "RELEASE_MAX_WAIT", 2.0)
    the_hub = hub_module.Hub(asyncio.get_running_loop())
    monkeypatch.setattr(hub_module, "release_memory", lambda: seen.append(len(the_hub.tracked)))
    return the_hub, seen


async def leave(the_hub, sockets, every: float) -> None:
    for socket in sockets:
        the_hub.forget(socket)
        await asyncio.sleep(every)


async def test_memory_is_released_after_the_last_socket_of_a_crowd_left(releases):
    the_hub, seen = releases
    sockets = [Socket() for _ in range(16)]
    for socket in sockets:
        the_hub.track(socket)
    # Half leave at once, the rest one by one, each sooner than RELEASE_DELAY after the last:
    # releasing RELEASE_DELAY after half had gone kept what the other half held (they were too
    # few to ask for another release).
    await leave(the_hub, sockets[:8], 0)
    await leave(the_hub, sockets[8:], 0.04)
    await asyncio.sleep(0.3)
    assert seen == [0]


async def test_a_crowd_trickling_out_is_released_within_the_maximum_wait(releases, monkeypatch):
    the_hub, seen = releases
    monkeypatch.setattr(hub_module, "RELEASE_MAX_WAIT", 0.2)
    sockets = [Socket() for _ in range(40)]
    for socket in sockets:
        the_hub.track(socket)
    await leave(the_hub, sockets[:20], 0)
    await leave(the_hub, sockets[20:], 0.05)  # 1 s of steady leaving
    await asyncio.sleep(0.3)
    assert seen and seen[0] > 0  # released while they were still leaving
    assert not the_hub.tracked and the_hub._release is None
