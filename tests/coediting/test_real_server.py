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


class WebsocketsChannel:
    """pycrdt's ``Channel`` over a ``websockets`` connection, for pycrdt's own ``Provider``."""

    def __init__(self, socket, path: str) -> None:
        self.socket, self._path = socket, path

    @property
    def path(self) -> str:
        return self._path

    def __aiter__(self):
        return self

    async def __anext__(self) -> bytes:
        import websockets

        try:
            return await self.socket.recv()
        except websockets.ConnectionClosed:
            raise StopAsyncIteration from None

    async def send(self, message: bytes) -> None:
        await self.socket.send(message)

    async def recv(self) -> bytes:
        return await self.socket.recv()


async def test_a_stock_provider_syncs_with_the_socket(start_server, group, members):
    """pycrdt's ``Provider`` (the y-websocket client protocol, written by others) on a real
    uvicorn: two of them converge and the text is stored."""
    import asyncio

    import websockets
    from pycrdt import Doc, Provider, Text

    server = await database_sync_to_async(start_server)()
    alice_token, bob_token, _ = await tokens(members)
    url = server.url.replace("http", "ws") + f"/ws/groups/{group.pk}/solution"
    docs, providers, sockets = [], [], []
    for token in (alice_token, bob_token):
        socket = await websockets.connect(
            url, additional_headers={"Authorization": f"Bearer {token}"}
        )
        doc = Doc()
        doc["solution"] = Text()
        provider = Provider(doc, WebsocketsChannel(socket, url))
        task = asyncio.create_task(provider.start())
        await asyncio.wait_for(provider.synced.wait(), 10)
        docs.append(doc)
        providers.append((provider, task))
        sockets.append(socket)
    docs[0]["solution"] += "Stock "
    docs[1]["solution"] += "client"
    for _ in range(100):
        if all(len(str(doc["solution"])) == len("Stock client") for doc in docs):
            break
        await asyncio.sleep(0.05)
    texts = {str(doc["solution"]) for doc in docs}
    assert len(texts) == 1 and sorted(texts.pop()) == sorted("Stock client")
    for provider, task in providers:
        await provider.stop()
        task.cancel()
    for socket in sockets:
        await socket.close()
    stored = await database_sync_to_async(coediting.stored_text)(group.pk)
    assert sorted(stored) == sorted("Stock client")
    server.stop()
