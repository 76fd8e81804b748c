"""/ws/threads/{id}/ over the real ASGI stack: post events after commit, and anonymity."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from mentoring.boards.services import moderation, posts
from mentoring.models import Board
from tests.conftest import ws_first_json
from tests.factories import make_cohort

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def receive_json(communicator, timeout=3):
    return json.loads(await communicator.receive_from(timeout=timeout))


@database_sync_to_async
def start_thread(cohort, author, kind="general", **kwargs):
    board = Board.objects.get(cohort=cohort, kind=kind)
    return posts.create_thread(board=board, author=author, title="Live", body="start", **kwargs)


async def test_post_created_edited_retracted_reach_the_thread_socket(ws_connect, cohort, members):
    a, b, _ = members
    thread = await start_thread(cohort, a)
    watcher, connected, first = await ws_connect(f"/ws/threads/{thread.pk}/", user=b)
    assert ws_first_json(first)["type"] == "ready"

    post = await database_sync_to_async(posts.create_post)(thread=thread, author=a, body="*new*")
    created = await receive_json(watcher)
    assert created["type"] == "post.created"
    assert (
        created["post"]["id"] == post.pk and created["post"]["body_html"] == "<p><em>new</em></p>\n"
    )
    assert created["post"]["author"] == "Member 1"

    await database_sync_to_async(posts.edit_post)(post=post, by=a, body="changed")
    edited = await receive_json(watcher)
    assert edited["type"] == "post.edited" and edited["post"]["body_html"] == "<p>changed</p>\n"
    assert edited["seq"] == created["seq"] + 1

    await database_sync_to_async(posts.retract_post)(post=post, by=a)
    retracted = await receive_json(watcher)
    assert retracted == {
        "seq": created["seq"] + 2,
        "type": "post.retracted",
        "post": {"id": post.pk, "thread_id": thread.pk, "retracted": True, "tombstone": False},
    }
    await watcher.disconnect()


async def test_anonymous_authors_reach_tutors_but_never_peers(ws_connect, tutor, members):
    cohort = await database_sync_to_async(make_cohort)(
        name="Anon WS", tutors=[tutor], members=members, allow_anonymous_to_peers=True
    )
    a, b, _ = members
    thread = await start_thread(cohort, b)
    peer, _, _ = await ws_connect(f"/ws/threads/{thread.pk}/", user=b)
    teacher, _, _ = await ws_connect(f"/ws/threads/{thread.pk}/", user=tutor)
    await database_sync_to_async(posts.create_post)(
        thread=thread, author=a, body="quietly", anonymous=True
    )
    raw = await peer.receive_from(timeout=3)
    assert "Member 1" not in raw and "member1" not in raw
    assert json.loads(raw)["post"]["author"] == "a member of this cohort"
    assert json.loads(raw)["post"]["author_id"] is None
    for_tutor = await receive_json(teacher)
    assert for_tutor["post"]["author"] == "Member 1" and for_tutor["post"]["author_id"] == a.pk
    await peer.disconnect()
    await teacher.disconnect()


async def test_peers_cannot_watch_an_ask_a_tutor_thread(ws_connect, cohort, tutor, members):
    thread = await start_thread(cohort, members[0], kind="private")
    _, _, first = await ws_connect(f"/ws/threads/{thread.pk}/", user=members[1])
    assert first["type"] == "websocket.close" and first["code"] == 4403
    _, _, first = await ws_connect(f"/ws/threads/{thread.pk}/", user=tutor)
    assert ws_first_json(first)["type"] == "ready"


async def test_a_hidden_posts_text_goes_to_tutors_only(ws_connect, cohort, tutor, members):
    a, b, _ = members
    thread = await start_thread(cohort, a)
    post = await database_sync_to_async(lambda: thread.posts.get())()
    peer, _, _ = await ws_connect(f"/ws/threads/{thread.pk}/", user=b)
    await database_sync_to_async(moderation.hide_post)(post=post, by=tutor, reason="Unkind")
    message = await receive_json(peer)
    assert message["type"] == "post.hidden"
    assert message["post"]["hidden"] is True and message["post"]["body_html"] == ""
    await peer.disconnect()
