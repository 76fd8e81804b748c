"""/ws/cohorts/{id}/dashboard/: member.updated within a second, for tutors only; and across
two server processes sharing Redis."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from mentoring.accounts.services.tokens import create_api_token
from mentoring.boards.services import posts
from mentoring.models import Board
from mentoring.participation.services import counters as participation
from mentoring.participation.services.nudges import nudge_members
from tests.conftest import ws_first_json

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def receive_json(communicator, timeout=1.0):
    """The next message; the public surface (docs/api.md) allows a second from the activity to
    the message."""
    return json.loads(await communicator.receive_from(timeout=timeout))


async def next_member_update(communicator, timeout=1.0):
    """The next ``member.updated``, past any ``inbox.updated`` the same activity caused."""
    while True:
        message = await receive_json(communicator, timeout)
        if message["type"] == "member.updated":
            return message
        assert message["type"] == "inbox.updated", message


def make_thread(cohort, tutor):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    return posts.create_thread(board=board, author=tutor, title="Lesson starters", body="Ideas?")


async def open_dashboard(ws_connect, cohort, user):
    communicator, connected, first = await ws_connect(
        f"/ws/cohorts/{cohort.pk}/dashboard/", user=user
    )
    assert connected and ws_first_json(first)["type"] == "ready"
    return communicator


async def test_a_read_turns_the_members_row_to_reader_live(ws_connect, cohort, tutor, members):
    thread = await database_sync_to_async(make_thread)(cohort, tutor)
    dashboard = await open_dashboard(ws_connect, cohort, tutor)
    started = time.monotonic()
    await database_sync_to_async(participation.record_thread_read)(user=members[0], thread=thread)
    message = await receive_json(dashboard)
    assert time.monotonic() - started < 1.0
    assert message["type"] == "member.updated"
    member = message["member"]
    assert (member["user_id"], member["username"]) == (members[0].pk, "member1")
    assert (member["status"], member["threads_read"], member["posts"]) == ("reader", 1, 0)
    assert member["last_seen"] is not None
    await dashboard.disconnect()


async def test_post_retraction_and_resource_view_each_send_the_new_row(
    ws_connect, cohort, tutor, members
):
    thread = await database_sync_to_async(make_thread)(cohort, tutor)
    dashboard = await open_dashboard(ws_connect, cohort, tutor)
    post = await database_sync_to_async(posts.create_post)(
        thread=thread, author=members[1], body="Try a silent starter."
    )
    member = (await next_member_update(dashboard))["member"]
    assert (member["username"], member["status"], member["posts"]) == ("member2", "contributor", 1)

    await database_sync_to_async(posts.retract_post)(post=post, by=members[1])
    member = (await next_member_update(dashboard))["member"]
    assert (member["username"], member["status"], member["posts"]) == ("member2", "inactive", 0)

    await database_sync_to_async(participation.record_resource_view)(
        user=members[2], cohort=cohort, resource_kind="scenario", resource_id=7
    )
    member = (await next_member_update(dashboard))["member"]
    assert (member["username"], member["status"]) == ("member3", "resource_only")
    await dashboard.disconnect()


async def test_tutors_own_activity_sends_nothing(ws_connect, cohort, tutor):
    thread = await database_sync_to_async(make_thread)(cohort, tutor)
    dashboard = await open_dashboard(ws_connect, cohort, tutor)
    await database_sync_to_async(participation.record_thread_read)(user=tutor, thread=thread)
    assert await dashboard.receive_nothing(timeout=0.3)
    await dashboard.disconnect()


async def test_nothing_is_sent_for_a_rolled_back_read(ws_connect, cohort, tutor, members):
    thread = await database_sync_to_async(make_thread)(cohort, tutor)
    dashboard = await open_dashboard(ws_connect, cohort, tutor)

    def read_then_fail():
        try:
            with transaction.atomic():
                participation.record_thread_read(user=members[0], thread=thread)
                raise RuntimeError("boom")
        except RuntimeError:
            pass

    await database_sync_to_async(read_then_fail)()
    assert await dashboard.receive_nothing(timeout=0.3)
    await dashboard.disconnect()


async def test_nudge_updates_the_row_and_reaches_the_member_live(
    ws_connect, cohort, tutor, members
):
    dashboard = await open_dashboard(ws_connect, cohort, tutor)
    inbox, connected, first = await ws_connect("/ws/notifications/", user=members[0])
    assert ws_first_json(first)["type"] == "ready"
    await database_sync_to_async(nudge_members)(
        cohort=cohort, tutor=tutor, user_ids=[members[0].pk], message="Hi {name}"
    )
    note = await receive_json(inbox)
    assert note["type"] == "notification"
    assert (note["notification"]["kind"], note["notification"]["body"]) == ("nudge", "Hi Member 1")
    member = (await next_member_update(dashboard))["member"]
    assert member["username"] == "member1" and member["nudged_at"] is not None
    await inbox.disconnect()
    await dashboard.disconnect()


async def test_members_strangers_and_anonymous_are_closed_with_4403(
    ws_connect, cohort, members, outsider
):
    for user in (members[0], outsider, None):
        _, _, first = await ws_connect(f"/ws/cohorts/{cohort.pk}/dashboard/", user=user)
        assert first["type"] == "websocket.close" and first["code"] == 4403
    _, _, first = await ws_connect("/ws/cohorts/999999/dashboard/", user=members[0])
    assert first["code"] == 4403


async def test_a_tutor_of_another_cohort_is_closed_with_4403(ws_connect, cohort, user_factory):
    from tests.factories import make_cohort

    other_tutor = await database_sync_to_async(user_factory)(username="elsewhere")
    await database_sync_to_async(make_cohort)(name="Other", tutors=[other_tutor])
    _, _, first = await ws_connect(f"/ws/cohorts/{cohort.pk}/dashboard/", user=other_tutor)
    assert first["code"] == 4403


# --- Two server processes, one Redis channel layer -----------------------------------------
@pytest.fixture
def second_server(live_url, start_server, redis_server):
    """Another server process on the same database and Redis (started outside the event loop:
    it reads the content types when it starts)."""
    server = start_server({"REDIS_URL": redis_server})
    yield server
    server.stop()


@pytest.mark.redis
async def test_tutor_on_one_process_sees_a_read_served_by_another(
    live_url, second_server, cohort, tutor, members
):
    import websockets

    assert second_server.url != live_url
    thread = await database_sync_to_async(make_thread)(cohort, tutor)
    tutor_token = await database_sync_to_async(create_api_token)(user=tutor)
    member_token = await database_sync_to_async(create_api_token)(user=members[1])
    uri = live_url.replace("http", "ws") + f"/ws/cohorts/{cohort.pk}/dashboard/"

    async with websockets.connect(
        uri, additional_headers={"Authorization": f"Bearer {tutor_token}"}
    ) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "ready"

        def read_on_the_other_server():
            request = urllib.request.Request(
                f"{second_server.url}/api/v1/threads/{thread.pk}",
                headers={"Authorization": f"Bearer {member_token}"},
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200

        started = time.monotonic()
        await asyncio.to_thread(read_on_the_other_server)
        message = json.loads(await asyncio.wait_for(socket.recv(), 2))
        assert time.monotonic() - started < 2.0
    assert message["type"] == "member.updated"
    assert (message["member"]["username"], message["member"]["status"]) == ("member2", "reader")
