"""Per-stream seq, ``?since=N`` replay and ``resync``, and a process catching up on what the
channel layer dropped (the public surface, docs/api.md, Websockets)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from mentoring.boards import events
from mentoring.boards.schemas import PostRetracted, RetractedPost
from mentoring.boards.services import moderation
from mentoring.boards.services import posts as boards
from mentoring.models import Board, LiveEvent
from mentoring.realtime import hub, log
from mentoring.realtime.events import encode
from tests.conftest import ws_first_json
from tests.factories import make_cohort

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def receive_json(communicator, timeout=3.0):
    return json.loads(await communicator.receive_from(timeout=timeout))


@database_sync_to_async
def start_thread(cohort, author):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    return boards.create_thread(board=board, author=author, title="Seq", body="start")


@database_sync_to_async
def post(thread, author, body, **kwargs):
    return boards.create_post(thread=thread, author=author, body=body, **kwargs)


async def open_socket(ws_connect, path, user):
    communicator, connected, first = await ws_connect(path, user=user)
    ready = ws_first_json(first)
    assert connected and ready["type"] == "ready"
    return communicator, ready["seq"]


async def test_every_message_carries_the_next_seq_of_its_stream(ws_connect, cohort, members):
    thread = await start_thread(cohort, members[0])
    socket, start = await open_socket(ws_connect, f"/ws/threads/{thread.pk}/", members[1])
    assert start == 1  # the opening post's post.created
    for n in range(3):
        await post(thread, members[0], f"reply {n}")
    seqs = [(await receive_json(socket))["seq"] for _ in range(3)]
    assert seqs == [2, 3, 4]
    await socket.disconnect()


async def test_since_replays_what_followed_for_each_audience(ws_connect, tutor, members):
    cohort = await database_sync_to_async(make_cohort)(
        name="Replay", tutors=[tutor], members=members, allow_anonymous_to_peers=True
    )
    thread = await start_thread(cohort, members[0])
    await post(thread, members[0], "missed, named")
    await post(thread, members[1], "missed, anonymous", anonymous=True)
    path = f"/ws/threads/{thread.pk}/?since=1"

    peer, ready = await open_socket(ws_connect, path, members[2])
    assert ready == 1
    replay = [await receive_json(peer) for _ in range(2)]
    assert [m["seq"] for m in replay] == [2, 3]
    assert [m["post"]["body_html"] for m in replay] == [
        "<p>missed, named</p>\n",
        "<p>missed, anonymous</p>\n",
    ]
    assert replay[1]["post"]["author_id"] is None

    teacher, _ = await open_socket(ws_connect, path, tutor)
    replay = [await receive_json(teacher) for _ in range(2)]
    assert replay[1]["post"]["author_id"] == members[1].pk

    # Then live, without a gap or a repeat.
    await post(thread, members[0], "live")
    assert (await receive_json(peer))["seq"] == 4
    assert (await receive_json(teacher))["seq"] == 4
    assert await peer.receive_nothing(timeout=0.2)
    await peer.disconnect()
    await teacher.disconnect()


async def test_up_to_date_since_replays_nothing(ws_connect, cohort, members):
    thread = await start_thread(cohort, members[0])
    socket, ready = await open_socket(ws_connect, f"/ws/threads/{thread.pk}/?since=1", members[1])
    assert ready == 1
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


@pytest.mark.parametrize("since", ["99", "-3", "soon"])
async def test_a_since_that_cannot_be_replayed_answers_resync(ws_connect, cohort, members, since):
    thread = await start_thread(cohort, members[0])
    socket, _ = await open_socket(ws_connect, f"/ws/threads/{thread.pk}/?since={since}", members[1])
    assert await receive_json(socket) == {"seq": 1, "type": "resync"}
    await post(thread, members[0], "after the resync")
    assert (await receive_json(socket))["seq"] == 2
    await socket.disconnect()


async def test_trimmed_or_too_long_gaps_answer_resync(ws_connect, cohort, members, monkeypatch):
    thread = await start_thread(cohort, members[0])
    for n in range(3):
        await post(thread, members[0], f"reply {n}")
    monkeypatch.setattr(log, "CATCH_UP_LIMIT", 2)
    socket, _ = await open_socket(ws_connect, f"/ws/threads/{thread.pk}/?since=1", members[1])
    assert await receive_json(socket) == {"seq": 4, "type": "resync"}
    await socket.disconnect()

    monkeypatch.setattr(log, "CATCH_UP_LIMIT", 500)
    await database_sync_to_async(LiveEvent.objects.filter(seq=2).delete)()
    socket, _ = await open_socket(ws_connect, f"/ws/threads/{thread.pk}/?since=1", members[1])
    assert (await receive_json(socket))["type"] == "resync"
    await socket.disconnect()


async def test_the_log_keeps_a_bounded_tail_per_stream(monkeypatch):
    monkeypatch.setattr(log, "KEEP", 5)
    monkeypatch.setattr(log, "TRIM_EVERY", 4)
    for _ in range(12):
        await database_sync_to_async(log.append)("mentoring.thread.1", '{"type":"x"}', None)
    seqs = await database_sync_to_async(
        lambda: sorted(LiveEvent.objects.values_list("seq", flat=True))
    )()
    assert seqs == list(range(8, 13))


# --- The channel layer drops a message ------------------------------------------------------
def dropped_retraction(thread_id: int) -> int:
    """Log an event as if sent, but never hand it to the fan-out (a full channel, Redis down)."""
    event = PostRetracted(post=RetractedPost(id=12345, thread_id=thread_id, tombstone=False))
    return log.append(events.thread_group(thread_id), encode(event), None)


async def test_a_dropped_message_is_read_back_before_the_next(ws_connect, cohort, members):
    thread = await start_thread(cohort, members[0])
    socket, _ = await open_socket(ws_connect, f"/ws/threads/{thread.pk}/", members[1])
    assert await database_sync_to_async(dropped_retraction)(thread.pk) == 2
    await post(thread, members[0], "next")
    first, second = await receive_json(socket), await receive_json(socket)
    assert (first["seq"], first["type"], first["post"]["id"]) == (2, "post.retracted", 12345)
    assert (second["seq"], second["type"]) == (3, "post.created")
    await socket.disconnect()


async def test_a_dropped_last_message_arrives_late_not_never(ws_connect, cohort, members):
    thread = await start_thread(cohort, members[0])
    socket, _ = await open_socket(ws_connect, f"/ws/threads/{thread.pk}/", members[1])
    await database_sync_to_async(dropped_retraction)(thread.pk)
    message = await receive_json(socket, timeout=hub.POLL_SECONDS + 2)
    assert (message["seq"], message["type"]) == (2, "post.retracted")
    await socket.disconnect()


async def test_one_encoding_per_audience_whatever_the_number_of_sockets(
    ws_connect, cohort, members, live_events_match_their_schemas
):
    thread = await start_thread(cohort, members[0])
    sockets = [
        (await open_socket(ws_connect, f"/ws/threads/{thread.pk}/", member))[0]
        for member in members
    ]
    live_events_match_their_schemas.clear()
    await post(thread, members[0], "to everyone")
    texts = {await socket.receive_from(timeout=3) for socket in sockets}
    assert len(texts) == 1  # the very same text for every member socket
    sent = [e for e in live_events_match_their_schemas if e[0] == events.thread_group(thread.pk)]
    assert len(sent) == 1 and sent[0][2]["member"] in texts
    for socket in sockets:
        await socket.disconnect()


async def test_a_replay_never_brings_back_retracted_or_hidden_words(
    ws_connect, cohort, tutor, members
):
    thread = await start_thread(cohort, members[0])
    gone = await post(thread, members[1], "words taken back")
    hidden = await post(thread, members[1], "words hidden by a tutor")
    await database_sync_to_async(boards.retract_post)(post=gone, by=members[1])
    await database_sync_to_async(moderation.hide_post)(post=hidden, by=tutor, reason="Unkind")

    peer, _ = await open_socket(ws_connect, f"/ws/threads/{thread.pk}/?since=1", members[2])
    replay = [await peer.receive_from(timeout=3) for _ in range(4)]
    assert not any("taken back" in text or "hidden by" in text for text in replay)
    kinds = [(json.loads(t)["seq"], json.loads(t)["type"]) for t in replay]
    assert kinds == [
        (2, "post.retracted"),
        (3, "post.hidden"),
        (4, "post.retracted"),
        (5, "post.hidden"),
    ]

    teacher, _ = await open_socket(ws_connect, f"/ws/threads/{thread.pk}/?since=1", tutor)
    replay = [await teacher.receive_from(timeout=3) for _ in range(4)]
    assert not any("taken back" in text for text in replay)
    assert "hidden by a tutor" in replay[1]  # tutors still see what they hid
    await peer.disconnect()
    await teacher.disconnect()
