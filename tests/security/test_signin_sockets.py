"""Websocket handshakes under the sign-in rules: bad bearer tokens count against the address
like the API's, a valid token still connects, and the two-factor policy closes sockets (4403)
for staff and tutors who must set it up and have not."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from mentoring.accounts.services.tokens import create_api_token
from mentoring.models import SignInPolicy
from tests.conftest import ws_first_json

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _ready(first) -> bool:
    return (ws_first_json(first) or {}).get("type") == "ready"


def _refused(first) -> bool:
    return first is not None and first["type"] == "websocket.close" and first["code"] == 4403


async def _token_socket(token: str, address: str):
    """A token-only handshake (no Origin: not a browser) from ``address``."""
    from config.asgi import application

    headers = [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())]
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    communicator.scope["client"] = (address, 50000)  # read when the application first runs
    connected, _ = await communicator.connect(timeout=5)
    first = await communicator.receive_output(timeout=5)
    if connected:
        await communicator.disconnect()
    return connected, first


async def test_bad_tokens_on_sockets_count_and_a_valid_token_still_connects(members, settings):
    settings.LOGIN_THROTTLE_PER_ADDRESS = 3
    good = await database_sync_to_async(create_api_token)(user=members[0])
    for _ in range(3):
        _, first = await _token_socket("not-a-token", "127.0.0.1")
        assert _refused(first)
    # The same address's next bad token on the API is throttled: the handshakes counted.
    response = await database_sync_to_async(
        lambda: Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    )()
    assert response.status_code == 429
    connected, first = await _token_socket(good, "127.0.0.1")
    assert connected and _ready(first)


async def test_the_two_factor_policy_closes_a_tutors_sockets_until_it_is_set_up(
    ws_connect, cohort, tutor, members
):
    await database_sync_to_async(
        lambda: SignInPolicy(require_two_factor_for_staff_and_tutors=True).save()
    )()
    token = await database_sync_to_async(create_api_token)(user=tutor)
    dashboard = f"/ws/cohorts/{cohort.pk}/dashboard/"
    _, _, first = await ws_connect(dashboard, user=tutor)
    assert _refused(first)
    _, _, first = await ws_connect(dashboard, token=token, origin=None)
    assert _refused(first)
    _, connected, first = await ws_connect("/ws/notifications/", user=members[0])
    assert connected and _ready(first)

    await database_sync_to_async(TOTP.activate)(tutor, "JBSWY3DPEHPK3PXP")
    _, connected, first = await ws_connect(dashboard, token=token, origin=None)
    assert connected and _ready(first)
