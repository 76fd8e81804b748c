"""/ws/notifications/ over the real ASGI stack (origin check, session/bearer auth, routing)."""

import json

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from mentoring.accounts.services.tokens import create_api_token
from mentoring.notifications.services.notifications import notify
from tests.conftest import ws_first_json

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def receive_json(communicator, timeout=3):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def test_notification_reaches_the_open_socket_after_commit(ws_connect, members):
    communicator, connected, first = await ws_connect("/ws/notifications/", user=members[0])
    assert connected and ws_first_json(first)["type"] == "ready"
    await database_sync_to_async(notify)(user=members[0], kind="system", title="Hello there")
    message = await receive_json(communicator)
    assert message["type"] == "notification"
    assert message["notification"]["title"] == "Hello there"
    await communicator.disconnect()


async def test_nothing_is_sent_when_the_transaction_rolls_back(ws_connect, members):
    communicator, connected, first = await ws_connect("/ws/notifications/", user=members[0])
    # The socket is open and subscribed (its ``ready``) before we listen for silence.
    assert connected and ws_first_json(first)["type"] == "ready"

    def notify_then_fail():
        try:
            with transaction.atomic():
                notify(user=members[0], kind="system", title="Never")
                raise RuntimeError("boom")
        except RuntimeError:
            pass

    await database_sync_to_async(notify_then_fail)()
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_other_users_do_not_receive_it(ws_connect, members):
    communicator, connected, first = await ws_connect("/ws/notifications/", user=members[1])
    # The socket is open and subscribed (its ``ready``) before we listen for silence.
    assert connected and ws_first_json(first)["type"] == "ready"
    await database_sync_to_async(notify)(user=members[0], kind="system", title="Private")
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_anonymous_socket_is_closed_with_4403(ws_connect, db):
    communicator, connected, first = await ws_connect("/ws/notifications/")
    assert first["type"] == "websocket.close" and first["code"] == 4403


async def test_bearer_token_on_the_handshake(ws_connect, members):
    token = await database_sync_to_async(create_api_token)(user=members[0])
    communicator, connected, first = await ws_connect(
        "/ws/notifications/", token=token, origin=None
    )
    assert ws_first_json(first)["type"] == "ready"
    await database_sync_to_async(notify)(user=members[0], kind="system", title="Token")
    assert (await receive_json(communicator))["notification"]["title"] == "Token"
    await communicator.disconnect()


async def test_cross_site_origin_is_refused(ws_connect, members):
    _, _, first = await ws_connect(
        "/ws/notifications/", user=members[0], origin="https://evil.example"
    )
    assert first["type"] == "websocket.close" and first["code"] == 4403


async def test_session_cookie_without_origin_does_not_authenticate(ws_connect, members):
    _, connected, first = await ws_connect("/ws/notifications/", user=members[0], origin=None)
    assert first["type"] == "websocket.close" and first["code"] == 4403


async def test_redis_layer_delivers_too(ws_connect, members, settings, redis_server):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_server]},
        }
    }
    communicator, connected, first = await ws_connect("/ws/notifications/", user=members[0])
    assert ws_first_json(first)["type"] == "ready"
    await database_sync_to_async(notify)(user=members[0], kind="system", title="Via Redis")
    assert (await receive_json(communicator))["notification"]["title"] == "Via Redis"
    await communicator.disconnect()
