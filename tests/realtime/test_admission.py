"""A crowd of sockets (issue 24): handshakes that arrive together are answered by one database
trip per question (whose token, whose session, may they see the thread, what did they miss),
each socket still gets what it alone may see; and a crowd that leaves leaves nothing of itself
in the process."""

from __future__ import annotations

import asyncio
import gc
import json
import weakref

import pytest
from channels.db import database_sync_to_async

from mentoring.accounts import auth
from mentoring.accounts.services.tokens import create_api_token, revoke_api_token
from mentoring.boards import consumers as boards_consumers
from mentoring.boards.services import posts as boards
from mentoring.models import ApiToken, Board
from mentoring.realtime import consumers as realtime_consumers
from mentoring.realtime import hub as hub_module
from tests.conftest import ws_first_json
from tests.factories import UserFactory, make_cohort

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CROWD = 24


@database_sync_to_async
def a_class(size: int):
    """A cohort of ``size`` members with a thread of three posts, and a token for each."""
    people = [UserFactory(username=f"crowd{i}") for i in range(size)]
    outsider = UserFactory(username="crowd_outsider")
    cohort = make_cohort(name="Crowd", members=people)
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = boards.create_thread(board=board, author=people[0], title="Crowd", body="start")
    for n in range(2):
        boards.create_post(thread=thread, author=people[0], body=f"missed {n}")
    tokens = [create_api_token(user=person) for person in people]
    return thread, tokens, create_api_token(user=outsider)


async def open_socket(ws_connect, path, token):
    communicator, connected, first = await ws_connect(path, token=token, origin=None)
    return communicator, connected, first


async def test_a_crowd_of_handshakes_is_answered_in_a_few_trips(ws_connect):
    thread, tokens, outsiders_token = await a_class(CROWD)
    trips = {
        "tokens": auth._token_for_handshake,
        "two-factor": auth._must_set_up_two_factor,
        "threads": boards_consumers._thread_access,
        "catch-up": realtime_consumers._events_after,
    }
    before = {name: batched.trips for name, batched in trips.items()}
    path = f"/ws/threads/{thread.pk}/?since=1"
    opened = await asyncio.gather(
        *(open_socket(ws_connect, path, token) for token in [*tokens, outsiders_token])
    )
    made = {name: batched.trips - before[name] for name, batched in trips.items()}
    # One socket at a time would make CROWD + 1 trips of each kind.
    assert all(1 <= count <= 3 for count in made.values()), made

    *members, outsider = opened
    for communicator, connected, first in members:
        assert connected and ws_first_json(first) == {"type": "ready", "seq": 1}
        replay = [json.loads(await communicator.receive_from(timeout=3)) for _ in range(2)]
        assert [m["seq"] for m in replay] == [2, 3]
        await communicator.disconnect()
    communicator, connected, first = outsider
    assert first["type"] == "websocket.close" and first["code"] == 4403  # refused, alone


async def test_a_revoked_token_in_a_crowd_is_refused_and_the_rest_admitted(ws_connect):
    thread, tokens, _ = await a_class(4)
    token = await database_sync_to_async(ApiToken.objects.get)(
        key_hash=ApiToken.hash_key(tokens[0])
    )
    await database_sync_to_async(revoke_api_token)(token=token)
    opened = await asyncio.gather(
        *(open_socket(ws_connect, f"/ws/threads/{thread.pk}/", token) for token in tokens)
    )
    refused, *admitted = opened
    assert refused[2]["type"] == "websocket.close" and refused[2]["code"] == 4403
    for communicator, _, first in admitted:
        assert ws_first_json(first)["type"] == "ready"
        await communicator.disconnect()


async def test_a_crowd_that_leaves_leaves_nothing_behind(ws_connect, monkeypatch):
    """What kept per-socket state alive: the hub's maps must forget every socket, and nothing
    else may hold a closed consumer (its scope, user, tasks)."""
    thread, tokens, _ = await a_class(CROWD)
    consumers: list[weakref.ref] = []
    track = hub_module.Hub.track

    def tracking(self, socket):
        consumers.append(weakref.ref(socket))
        return track(self, socket)

    monkeypatch.setattr(hub_module.Hub, "track", tracking)
    paths = [f"/ws/threads/{thread.pk}/", "/ws/notifications/"]
    opened = await asyncio.gather(
        *(open_socket(ws_connect, paths[i % 2], token) for i, token in enumerate(tokens))
    )
    the_hub = hub_module.hub()
    assert len(the_hub.tracked) == CROWD and len(the_hub.joined) == CROWD
    for communicator, _, _ in opened:
        await communicator.disconnect()
    del opened, communicator
    await asyncio.sleep(0.05)
    gc.collect()
    assert not the_hub.tracked and not the_hub.joined and not the_hub.streams
    alive = [ref for ref in consumers if ref() is not None]
    assert len(consumers) == CROWD and not alive, [gc.get_referrers(r()) for r in alive[:1]]
