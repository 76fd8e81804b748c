"""``inbox.updated`` on /ws/cohorts/{id}/dashboard/ when the cohort's inbox changes."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from mentoring.boards.services import posts
from mentoring.models import Board
from tests.conftest import ws_first_json

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def ask(cohort, member):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    return posts.create_thread(board=board, author=member, title="Help", body="With marking?")


async def test_a_private_question_and_its_answer_each_update_the_inbox(
    ws_connect, cohort, tutor, members
):
    dashboard, connected, first = await ws_connect(
        f"/ws/cohorts/{cohort.pk}/dashboard/", user=tutor
    )
    assert connected and ws_first_json(first)["type"] == "ready"
    thread = await database_sync_to_async(ask)(cohort, members[0])
    seen = []
    for _ in range(4):
        message = json.loads(await dashboard.receive_from(timeout=2))
        seen.append(message["type"])
        if message["type"] == "inbox.updated":
            assert message["cohort_id"] == cohort.pk
            assert "Help" not in json.dumps(message)  # names no post or person
            break
    assert "inbox.updated" in seen
    await database_sync_to_async(posts.create_post)(thread=thread, author=tutor, body="Sure.")
    types = []
    for _ in range(4):
        message = json.loads(await dashboard.receive_from(timeout=2))
        types.append(message["type"])
        if message["type"] == "inbox.updated":
            break
    assert "inbox.updated" in types
    await dashboard.disconnect()
