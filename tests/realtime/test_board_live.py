"""``board.updated`` on /ws/boards/{id}/: open board pages learn that a thread was published,
and nothing else; "Ask a tutor", restricted boards and strangers get no stream."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from mentoring.boards.services import posts, scheduling
from mentoring.models import Board
from tests.conftest import ws_first_json
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def board_of(cohort, kind):
    return Board.objects.get(cohort=cohort, kind=kind)


async def next_message(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=3))


async def test_a_new_thread_is_announced_without_its_title_or_author(ws_connect, cohort, members):
    board = await database_sync_to_async(board_of)(cohort, Board.Kind.GENERAL)
    watcher, connected, first = await ws_connect(f"/ws/boards/{board.pk}/", user=members[1])
    assert connected and ws_first_json(first)["type"] == "ready"
    start = ws_first_json(first)["seq"]
    await database_sync_to_async(posts.create_thread)(
        board=board, author=members[0], title="Seating plans", body="Do they help?"
    )
    message = await next_message(watcher)
    assert message == {"type": "board.updated", "board_id": board.pk, "seq": start + 1}
    # A reply is not news for the board's list: no message.
    thread = await database_sync_to_async(lambda: board.threads.get())()
    await database_sync_to_async(posts.create_post)(thread=thread, author=members[1], body="Yes")
    assert await watcher.receive_nothing(timeout=0.5)
    await watcher.disconnect()


async def test_a_scheduled_prompt_is_announced_when_it_goes_out(ws_connect, cohort, tutor, members):
    board = await database_sync_to_async(board_of)(cohort, Board.Kind.GENERAL)
    watcher, connected, _ = await ws_connect(f"/ws/boards/{board.pk}/", user=members[0])
    assert connected
    publish_at = timezone.now() + timedelta(hours=1)
    await database_sync_to_async(scheduling.schedule_thread)(
        board=board, author=tutor, title="Week 3", body="Behaviour.", publish_at=publish_at
    )
    assert await watcher.receive_nothing(timeout=0.5)  # members cannot see it yet
    await database_sync_to_async(scheduling.publish_due)(now=publish_at + timedelta(seconds=1))
    assert (await next_message(watcher))["type"] == "board.updated"
    await watcher.disconnect()


async def test_no_stream_for_ask_a_tutor_restricted_boards_or_strangers(
    ws_connect, cohort, tutor, members
):
    private = await database_sync_to_async(board_of)(cohort, Board.Kind.PRIVATE)
    for user in (members[0], tutor):
        _, connected, first = await ws_connect(f"/ws/boards/{private.pk}/", user=user)
        assert first == {"type": "websocket.close", "code": 4403}

    def restricted_board():
        board = Board.objects.create(
            cohort=cohort, kind=Board.Kind.SCENARIO, title="Group A", restricted=True
        )
        board.allowed_users.add(members[0])
        return board

    group = await database_sync_to_async(restricted_board)()
    opened, _, allowed = await ws_connect(f"/ws/boards/{group.pk}/", user=members[0])
    assert ws_first_json(allowed)["type"] == "ready"
    await opened.disconnect()
    _, _, outside = await ws_connect(f"/ws/boards/{group.pk}/", user=members[1])
    assert outside == {"type": "websocket.close", "code": 4403}
    stranger = await database_sync_to_async(UserFactory)(username="stranger")
    general = await database_sync_to_async(board_of)(cohort, Board.Kind.GENERAL)
    _, _, refused = await ws_connect(f"/ws/boards/{general.pk}/", user=stranger)
    assert refused == {"type": "websocket.close", "code": 4403}
    _, _, missing = await ws_connect("/ws/boards/99999999/", user=members[0])
    assert missing == {"type": "websocket.close", "code": 4403}
    # Nothing is sent to a private board's stream either, whoever asks there.
    from mentoring.boards.events import board_group
    from mentoring.models import LiveStream

    await database_sync_to_async(posts.create_thread)(
        board=private, author=members[0], title="Help", body="Please."
    )
    assert not await database_sync_to_async(
        LiveStream.objects.filter(name=board_group(private.pk)).exists
    )()
