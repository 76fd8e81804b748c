"""The live solution on real uvicorn workers sharing a Redis: members on different workers see
each other's typing, and a worker's restart loses nothing a member saw."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from mentoring.accounts.services.tokens import create_api_token
from scenarios.services import coediting
from tests.coediting.ydoc import SocketPeer
from tests.conftest import RedisServer as Redis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.redis]


@pytest.fixture
def own_redis():
    redis = Redis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def two_workers(start_server, own_redis, group):
    env = {"REDIS_URL": own_redis.url}
    a, b = start_server(env), start_server(env)
    yield a, b
    a.stop()
    b.stop()


@database_sync_to_async
def tokens(members):
    return [create_api_token(user=member) for member in members]


async def test_members_on_two_workers_converge_and_a_restart_loses_nothing(
    two_workers, group, members
):
    a, b = two_workers
    alice_token, bob_token, _ = await tokens(members)
    alice = await SocketPeer.open(a.url, group.pk, alice_token)
    bob = await SocketPeer.open(b.url, group.pk, bob_token)
    await alice.socket.send(alice.client.append("From A. "))
    await bob.until(lambda text: text == "From A. ")
    await bob.socket.send(bob.client.append("From B."))
    await alice.until(lambda text: text == "From A. From B.")
    await alice.close()

    await database_sync_to_async(a.restart)()
    again = await SocketPeer.open(a.url, group.pk, alice_token)
    assert str(again.client) == "From A. From B."
    await again.socket.send(again.client.insert(0, "# "))
    await bob.until(lambda text: text == "# From A. From B.")
    for peer in (again, bob):
        await peer.close()
    assert await database_sync_to_async(coediting.stored_text)(group.pk) == "# From A. From B."
