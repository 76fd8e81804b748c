"""The hub writes an event to many local sockets a slice per loop turn: every socket still gets
every event once and in order, other work of the loop runs in between, a socket that joins
meanwhile starts after the events already under way, and one revoked meanwhile gets no more."""

from __future__ import annotations

import asyncio

import pytest

from mentoring.realtime import hub as hub_module

pytestmark = pytest.mark.asyncio


class Socket:
    user_id = cohort_id = session_key = token_id = None

    def __init__(self) -> None:
        self.seen: list[int] = []
        self.revoked = False

    def push(self, seq: int, texts: dict[str, str]) -> None:
        if not self.revoked:
            self.seen.append(seq)

    def resync(self, seq: int) -> None:  # pragma: no cover - not reached here
        raise AssertionError("no resync expected")

    def revoke(self) -> None:
        self.revoked = True


def a_stream(hub: hub_module.Hub, sockets: list[Socket], last: int = 0) -> hub_module._Stream:
    state = hub_module._Stream(last=last, sockets=set(sockets))
    hub.streams["s"] = state
    return state


async def turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_many_sockets_get_every_event_in_order_with_the_loop_free_between_slices(
    monkeypatch,
):
    monkeypatch.setattr(hub_module, "DELIVERY_SLICE", 100)
    hub = hub_module.Hub(asyncio.get_running_loop())
    sockets = [Socket() for _ in range(250)]
    a_stream(hub, sockets)
    hub.publish("s", 1, {"member": "one"})
    hub.publish("s", 2, {"member": "two"})
    assert sum(1 for s in sockets if s.seen) == 100  # one slice in the publishing step
    other_work = []
    asyncio.get_running_loop().call_soon(other_work.append, "the post's response")
    await turns(1)
    assert other_work == ["the post's response"]
    assert sum(1 for s in sockets if s.seen) < 250  # ...and it ran before the event was done
    await turns(10)
    assert all(s.seen == [1, 2] for s in sockets)
    assert not hub.streams["s"].outgoing


async def test_a_socket_joining_meanwhile_starts_after_the_events_under_way(monkeypatch):
    monkeypatch.setattr(hub_module, "DELIVERY_SLICE", 10)
    hub = hub_module.Hub(asyncio.get_running_loop())
    sockets = [Socket() for _ in range(30)]
    state = a_stream(hub, sockets, last=5)
    hub.publish("s", 6, {"member": "six"})
    late = Socket()
    state.sockets.add(late)
    assert state.last == 6  # what join() hands a new socket: it is current as of 6
    hub.publish("s", 7, {"member": "seven"})
    await turns(20)
    assert all(s.seen == [6, 7] for s in sockets)
    assert late.seen == [7]


async def test_a_socket_revoked_meanwhile_gets_nothing_more(monkeypatch):
    monkeypatch.setattr(hub_module, "DELIVERY_SLICE", 10)
    hub = hub_module.Hub(asyncio.get_running_loop())
    sockets = [Socket() for _ in range(30)]
    a_stream(hub, sockets)
    hub.publish("s", 1, {"member": "one"})
    unreached = [s for s in sockets if not s.seen]
    assert unreached
    unreached[0].revoke()
    await turns(10)
    assert unreached[0].seen == []
    assert all(s.seen == [1] for s in sockets if s is not unreached[0])
