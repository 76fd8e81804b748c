"""``thread.moderated``: a tutor's pin, unpin, lock or unlock goes, numbered, to the thread's
stream and its board's, so open pages fetch what changed; a scheduled thread's board hears
nothing (members must not learn it exists), and doing nothing (pinning twice) sends nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from mentoring.boards.services import moderation, posts, scheduling
from mentoring.models import Board
from tests.conftest import ws_first_json

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def next_message(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=3))


def _general(cohort):
    return Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)


async def test_pin_and_lock_reach_open_thread_and_board_pages(ws_connect, cohort, tutor, members):
    board = await database_sync_to_async(_general)(cohort)
    thread = await database_sync_to_async(posts.create_thread)(
        board=board, author=members[0], title="Seating", body="Plans?"
    )
    on_thread, ok, first = await ws_connect(f"/ws/threads/{thread.pk}/", user=members[1])
    assert ok
    thread_seq = ws_first_json(first)["seq"]
    on_board, ok, first = await ws_connect(f"/ws/boards/{board.pk}/", user=members[1])
    assert ok
    board_seq = ws_first_json(first)["seq"]

    await database_sync_to_async(moderation.pin_thread)(thread=thread.pk, by=tutor)
    expected = {
        "type": "thread.moderated",
        "thread": {"id": thread.pk, "board_id": board.pk, "pinned": True, "locked": False},
    }
    assert await next_message(on_thread) == {**expected, "seq": thread_seq + 1}
    assert await next_message(on_board) == {**expected, "seq": board_seq + 1}

    # Pinning again changes nothing and says nothing.
    await database_sync_to_async(moderation.pin_thread)(thread=thread.pk, by=tutor)
    assert await on_thread.receive_nothing(timeout=0.5)

    await database_sync_to_async(moderation.lock_thread)(thread=thread.pk, by=tutor)
    locked = await next_message(on_thread)
    assert (locked["thread"]["locked"], locked["seq"]) == (True, thread_seq + 2)
    assert (await next_message(on_board))["thread"]["locked"] is True
    await database_sync_to_async(moderation.unlock_thread)(thread=thread.pk, by=tutor)
    assert (await next_message(on_thread))["thread"]["locked"] is False
    await on_thread.disconnect()
    await on_board.disconnect()


async def test_a_scheduled_threads_board_hears_nothing(ws_connect, cohort, tutor, members):
    board = await database_sync_to_async(_general)(cohort)
    thread = await database_sync_to_async(scheduling.schedule_thread)(
        board=board,
        author=tutor,
        title="Week 2",
        body="Prompt.",
        publish_at=timezone.now() + timedelta(hours=1),
    )
    on_board, ok, _ = await ws_connect(f"/ws/boards/{board.pk}/", user=members[0])
    assert ok
    on_thread, ok, _ = await ws_connect(f"/ws/threads/{thread.pk}/", user=tutor)
    assert ok
    await database_sync_to_async(moderation.pin_thread)(thread=thread.pk, by=tutor)
    assert (await next_message(on_thread))["type"] == "thread.moderated"
    assert await on_board.receive_nothing(timeout=0.5)
    await on_board.disconnect()
    await on_thread.disconnect()
