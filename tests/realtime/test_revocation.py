"""Open sockets end with the access behind them (issue 9 #3): removal from the cohort, a revoked
API token, signing out and a new password each close the affected sockets with 4403 at once,
and nothing more reaches them; sockets that keep their access stay open."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mentoring.accounts.services.tokens import create_api_token, revoke_api_token
from mentoring.boards.services import posts as boards
from mentoring.cohorts.services import remove_membership
from mentoring.models import ApiToken, Board
from mentoring.notifications.services.notifications import notify
from tests.conftest import ws_first_json

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def start_thread(cohort, author):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    return boards.create_thread(board=board, author=author, title="Access", body="start")


async def opened(ws_connect, path, **kwargs):
    communicator, connected, first = await ws_connect(path, **kwargs)
    assert connected and ws_first_json(first)["type"] == "ready"
    return communicator


async def assert_closed_4403(communicator):
    output = await communicator.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": 4403}


async def assert_still_live(communicator, user):
    await database_sync_to_async(notify)(user=user, kind="system", title="Still here")
    message = json.loads(await communicator.receive_from(timeout=3))
    assert message["notification"]["title"] == "Still here"


def signed_in_client(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}"


async def test_removal_from_the_cohort_closes_its_sockets_only(ws_connect, cohort, tutor, members):
    member = members[1]
    thread = await start_thread(cohort, members[0])
    on_thread = await opened(ws_connect, f"/ws/threads/{thread.pk}/", user=member)
    own_inbox = await opened(ws_connect, "/ws/notifications/", user=member)
    peer = await opened(ws_connect, f"/ws/threads/{thread.pk}/", user=members[2])

    await database_sync_to_async(remove_membership)(cohort=cohort, user=member)
    await assert_closed_4403(on_thread)
    await database_sync_to_async(boards.create_post)(
        thread=thread, author=members[0], body="after the removal"
    )
    assert await on_thread.receive_nothing(timeout=0.3)
    assert json.loads(await peer.receive_from(timeout=3))["type"] == "post.created"
    await assert_still_live(own_inbox, member)  # their own notifications are still theirs
    _, _, first = await ws_connect(f"/ws/threads/{thread.pk}/", user=member)
    assert first == {"type": "websocket.close", "code": 4403}
    for socket in (own_inbox, peer):
        await socket.disconnect()


async def test_a_removed_tutor_loses_the_dashboard(ws_connect, cohort, tutor, user_factory):
    from mentoring.cohorts.services import add_membership
    from mentoring.models import Membership

    second = await database_sync_to_async(user_factory)(username="second_tutor")
    await database_sync_to_async(add_membership)(
        cohort=cohort, user=second, role=Membership.Role.TUTOR
    )
    dashboard = await opened(ws_connect, f"/ws/cohorts/{cohort.pk}/dashboard/", user=second)
    await database_sync_to_async(remove_membership)(cohort=cohort, user=second)
    await assert_closed_4403(dashboard)


async def test_revoking_a_token_closes_the_sockets_it_opened(ws_connect, members):
    member = members[0]
    key = await database_sync_to_async(create_api_token)(user=member)
    by_token = await opened(ws_connect, "/ws/notifications/", token=key, origin=None)
    by_session = await opened(ws_connect, "/ws/notifications/", user=member)

    token = await database_sync_to_async(ApiToken.objects.get)(user=member)
    await database_sync_to_async(revoke_api_token)(token=token)
    await assert_closed_4403(by_token)
    await assert_still_live(by_session, member)
    _, _, first = await ws_connect("/ws/notifications/", token=key, origin=None)
    assert first["type"] == "websocket.close" and first["code"] == 4403
    await by_session.disconnect()


async def test_signing_out_closes_that_sessions_sockets(ws_connect, members):
    member = members[0]
    client, cookie = await database_sync_to_async(signed_in_client)(member)
    signed_out = await opened(ws_connect, "/ws/notifications/", cookie=cookie)
    other_session = await opened(ws_connect, "/ws/notifications/", user=member)

    response = await database_sync_to_async(client.post)(reverse("logout"))
    assert response.status_code in (200, 302)
    await assert_closed_4403(signed_out)
    await assert_still_live(other_session, member)
    _, _, first = await ws_connect("/ws/notifications/", cookie=cookie)
    assert first["type"] == "websocket.close" and first["code"] == 4403
    await other_session.disconnect()


async def test_a_new_password_closes_the_session_sockets(ws_connect, members):
    member = members[0]
    key = await database_sync_to_async(create_api_token)(user=member)
    by_session = await opened(ws_connect, "/ws/notifications/", user=member)
    by_token = await opened(ws_connect, "/ws/notifications/", token=key, origin=None)

    def change_password():
        member.set_password("a much newer passphrase 42")
        member.save()

    await database_sync_to_async(change_password)()
    await assert_closed_4403(by_session)
    await assert_still_live(by_token, member)  # an API token is its own credential
    await by_token.disconnect()


async def test_a_deactivated_account_loses_every_socket(ws_connect, members):
    member = members[0]
    key = await database_sync_to_async(create_api_token)(user=member)
    sockets = [
        await opened(ws_connect, "/ws/notifications/", user=member),
        await opened(ws_connect, "/ws/notifications/", token=key, origin=None),
    ]
    member.is_active = False
    await database_sync_to_async(member.save)()
    for socket in sockets:
        await assert_closed_4403(socket)
