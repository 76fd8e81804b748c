"""The websocket Origin check compares the whole origin — scheme, host and port — with the
socket's own origin and CSRF_TRUSTED_ORIGINS, and refuses by closing with 4403 (issue 9 #13)."""

from __future__ import annotations

import pytest

from tests.conftest import ws_first_json

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _ready(first) -> bool:
    return (ws_first_json(first) or {}).get("type") == "ready"


def _refused(first) -> bool:
    return first is not None and first["type"] == "websocket.close" and first["code"] == 4403


async def test_the_sockets_own_origin_is_accepted(ws_connect, members):
    _, connected, first = await ws_connect(
        "/ws/notifications/", user=members[0], origin="http://testserver", host="testserver"
    )
    assert connected and _ready(first)


@pytest.mark.parametrize(
    "origin",
    [
        "https://testserver",  # another scheme
        "http://testserver:8080",  # another port
        "http://testserver.evil.example",  # a longer host
        "http://evil.example",
        "null",  # sandboxed frames and file:// pages
    ],
)
async def test_any_other_origin_is_refused_with_4403(ws_connect, members, origin):
    _, connected, first = await ws_connect(
        "/ws/notifications/", user=members[0], origin=origin, host="testserver"
    )
    assert connected  # accepted, then closed: browsers see the close code, not an HTTP 403
    assert _refused(first)


async def test_the_port_is_part_of_the_origin(ws_connect, members):
    _, _, first = await ws_connect(
        "/ws/notifications/", user=members[0], origin="http://127.0.0.1:8001", host="127.0.0.1:8001"
    )
    assert _ready(first)
    _, _, first = await ws_connect(
        "/ws/notifications/", user=members[0], origin="http://127.0.0.1:8002", host="127.0.0.1:8001"
    )
    assert _refused(first)


async def test_a_host_outside_allowed_hosts_is_no_origin_of_ours(ws_connect, members):
    _, _, first = await ws_connect(
        "/ws/notifications/", user=members[0], origin="http://evil.example", host="evil.example"
    )
    assert _refused(first)


async def test_behind_a_tls_proxy_the_origin_is_https(ws_connect, members, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["staffroom.example.org"]
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from tests.conftest import session_cookie_for

    cookie = await database_sync_to_async(session_cookie_for)(members[0])
    for origin, ok in [
        ("https://staffroom.example.org", True),
        ("http://staffroom.example.org", False),
    ]:
        communicator = WebsocketCommunicator(
            application,
            "/ws/notifications/",
            headers=[
                (b"host", b"staffroom.example.org"),
                (b"x-forwarded-proto", b"https"),
                (b"origin", origin.encode()),
                (b"cookie", cookie.encode()),
            ],
        )
        connected, _ = await communicator.connect(timeout=5)
        first = await communicator.receive_output(timeout=5)
        assert connected
        assert (_ready(first)) is ok, origin
        assert _refused(first) is not ok
        await communicator.disconnect()


async def test_trusted_origins_are_accepted_in_full(ws_connect, members, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.org", "https://*.example.net"]
    for origin, ok in [
        ("https://app.example.org", True),
        ("https://app.example.org:444", False),
        ("http://app.example.org", False),
        ("https://eu.example.net", True),
        ("https://example.net.evil.example", False),
    ]:
        _, _, first = await ws_connect(
            "/ws/notifications/", user=members[0], origin=origin, host="testserver"
        )
        assert _refused(first) is not ok, origin
