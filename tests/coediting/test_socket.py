"""The live solution socket (issue 22): a y-websocket client syncs, members' edits converge and
are stored before anyone sees them, tutors only read, others are refused, bad input closes the
socket with a code and stores nothing."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from scenarios.models import Solution, SolutionUpdate
from scenarios.services import coediting
from tests.coediting.ydoc import YClient

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def path(group) -> str:
    return f"/ws/groups/{group.pk}/solution"


class Peer:
    def __init__(self, communicator, first) -> None:
        self.ws = communicator
        self.client = YClient()
        self.pending = [first]

    async def next(self, timeout: float = 3) -> dict:
        if self.pending:
            return self.pending.pop(0)
        return await self.ws.receive_output(timeout=timeout)

    async def sync(self) -> None:
        await self.ws.send_to(bytes_data=self.client.step1())
        while not self.client.synced:
            await self.handle(await self.next())

    async def handle(self, output: dict) -> None:
        assert output["type"] == "websocket.send", output
        reply = self.client.feed(output["bytes"])
        if reply is not None:
            await self.ws.send_to(bytes_data=reply)

    async def send(self, message: bytes) -> None:
        await self.ws.send_to(bytes_data=message)

    async def until_text(self, expected: str, timeout: float = 3) -> None:
        while str(self.client) != expected:
            await self.handle(await self.next(timeout))

    async def server_text(self, timeout: float = 3) -> str:
        """What the server holds, once it has handled everything sent before: a sync step 1
        from an empty document, answered in order on this socket with the whole document."""
        fresh = YClient()
        await self.ws.send_to(bytes_data=fresh.step1())
        while True:
            output = await self.next(timeout)
            message = output["bytes"]
            if message[:2] == b"\x00\x01":
                fresh.feed(message)
                return str(fresh)
            await self.handle(output)

    async def closed_with(self, code: int, timeout: float = 3) -> None:
        while True:
            output = await self.next(timeout)
            if output["type"] == "websocket.close":
                assert output["code"] == code
                return


async def join(ws_connect, group, user) -> Peer:
    communicator, connected, first = await ws_connect(path(group), user=user)
    assert connected
    peer = Peer(communicator, first)
    await peer.sync()
    return peer


@database_sync_to_async
def stored_rows(group) -> int:
    return SolutionUpdate.objects.filter(solution__group=group).count()


@database_sync_to_async
def stored_text(group) -> str:
    return coediting.stored_text(group.pk)


async def until_stored(group, text: str, timeout: float = 3) -> None:
    """There is no acknowledgement in the y-websocket protocol: poll what is stored."""
    import asyncio

    for _ in range(int(timeout / 0.05)):
        if await stored_text(group) == text:
            return
        await asyncio.sleep(0.05)
    assert await stored_text(group) == text


async def test_two_members_converge_and_every_update_is_stored(ws_connect, group, members):
    alice = await join(ws_connect, group, members[0])
    bob = await join(ws_connect, group, members[1])
    await alice.send(alice.client.append("Hello"))
    await bob.until_text("Hello")
    await bob.send(bob.client.append(", world"))
    await alice.send(alice.client.insert(0, ">> "))
    await alice.until_text(">> Hello, world")
    await bob.until_text(">> Hello, world")
    assert await stored_rows(group) == 3
    assert await stored_text(group) == ">> Hello, world"


async def test_a_new_socket_starts_from_the_stored_document(ws_connect, group, members):
    alice = await join(ws_connect, group, members[0])
    await alice.send(alice.client.append("Kept"))
    await until_stored(group, "Kept")
    await alice.ws.disconnect()
    late = await join(ws_connect, group, members[2])
    assert str(late.client) == "Kept"


async def test_the_tutor_reads_and_cannot_write(ws_connect, group, members, tutor):
    alice = await join(ws_connect, group, members[0])
    await alice.send(alice.client.append("Ours"))
    teacher = await join(ws_connect, group, tutor)
    await teacher.until_text("Ours")
    await teacher.send(teacher.client.append(" and mine"))
    assert await teacher.server_text() == "Ours"
    await alice.send(alice.client.append("!"))
    await alice.until_text("Ours!")
    while "!" not in str(teacher.client):  # the tutor still follows the members' typing
        await teacher.handle(await teacher.next())
    assert await stored_text(group) == "Ours!"  # the server dropped the tutor's edit
    assert await alice.ws.receive_nothing(timeout=0.3)
    assert str(alice.client) == "Ours!"
    assert teacher.client.read_only


async def test_outsiders_and_other_groups_are_refused(ws_connect, group, outsider):
    for user in (outsider, None):
        _, connected, first = await ws_connect(path(group), user=user)
        assert first == {"type": "websocket.close", "code": 4403}


@pytest.mark.parametrize(
    "message, code",
    [
        (b"\x00\x02\x05garbage", 4400),  # an update that is not Yjs
        (b"\x07\x01\x02", 4400),  # an unknown message type
        (b"\x00", 4400),  # truncated
    ],
)
async def test_garbage_closes_and_stores_nothing(ws_connect, group, members, message, code):
    alice = await join(ws_connect, group, members[0])
    await alice.send(message)
    await alice.closed_with(code)
    assert await stored_rows(group) == 0


async def test_an_update_over_256_kb_closes_4413(ws_connect, group, members):
    alice = await join(ws_connect, group, members[0])
    await alice.send(alice.client.append("x" * (300 * 1024)))
    await alice.closed_with(4413)
    assert await stored_rows(group) == 0


async def test_a_document_over_1_mb_closes_4413(ws_connect, group, members):
    alice = await join(ws_connect, group, members[0])
    for _ in range(4):
        await alice.send(alice.client.append("y" * (240 * 1024)))
    await alice.until_text("y" * (960 * 1024))
    await alice.send(alice.client.append("z" * (100 * 1024)))
    await alice.closed_with(4413)
    assert await stored_rows(group) == 4
    assert "z" not in await stored_text(group)


async def test_submission_makes_open_sockets_read_only(ws_connect, group, members):
    from scenarios.services.solutions import submit_solution

    alice = await join(ws_connect, group, members[0])
    await alice.send(alice.client.append("Final"))
    await until_stored(group, "Final")
    await database_sync_to_async(coediting.sync_body)(group_id=group.pk)
    await database_sync_to_async(submit_solution)(group=group, by=members[0])
    while not alice.client.read_only:
        await alice.handle(await alice.next())
    await alice.send(alice.client.append(" and more"))
    assert await alice.server_text() == "Final"
    assert await stored_text(group) == "Final"
    solution = await database_sync_to_async(Solution.objects.get)(group=group)
    assert solution.body == "Final"


async def test_removal_from_the_cohort_closes_the_editor_at_once(ws_connect, group, members):
    from mentoring.cohorts.services import remove_membership

    alice = await join(ws_connect, group, members[0])
    bob = await join(ws_connect, group, members[1])
    await database_sync_to_async(remove_membership)(cohort=group.release.cohort, user=members[0])
    await alice.closed_with(4403)
    await bob.send(bob.client.append("still here"))
    assert await bob.server_text() == "still here"
    _, _, first = await ws_connect(path(group), user=members[0])
    assert first == {"type": "websocket.close", "code": 4403}


async def test_a_member_moved_to_another_group_loses_the_old_groups_editor(
    ws_connect, group, members, tutor
):
    from scenarios.services.groups import add_group, move_member

    alice = await join(ws_connect, group, members[0])
    release = group.release
    other = await database_sync_to_async(add_group)(release=release, by=tutor)
    await database_sync_to_async(move_member)(
        release=release, user=members[0], to_group=other, by=tutor
    )
    await alice.closed_with(4403)
    assert await stored_rows(group) == 0
    moved = await join(ws_connect, other, members[0])  # their new group's is theirs
    await moved.send(moved.client.append("new group"))
    assert await moved.server_text() == "new group"


async def test_a_member_of_another_group_cannot_open_it(ws_connect, group, members, tutor):
    from scenarios.services.groups import add_group, move_member

    release = group.release
    other = await database_sync_to_async(add_group)(release=release, by=tutor)
    await database_sync_to_async(move_member)(
        release=release, user=members[2], to_group=other, by=tutor
    )
    _, _, first = await ws_connect(path(group), user=members[2])
    assert first == {"type": "websocket.close", "code": 4403}


async def test_typing_is_followed_by_the_body_a_version_and_one_participation_count(
    ws_connect, group, members, monkeypatch, live_events_match_their_schemas
):
    """Debounced: the body a moment after typing stops, a version after a pause, and the
    member's participation once for the whole session, not per keystroke."""
    import asyncio

    from mentoring.models import Membership, ResourceView
    from scenarios import consumers

    monkeypatch.setattr(consumers, "BODY_DELAY", 0.2)
    monkeypatch.setattr(consumers, "VERSION_PAUSE", 0.6)
    consumers._writing_counted.clear()
    alice = await join(ws_connect, group, members[0])
    for letter in "Twenty keystrokes!!!":
        await alice.send(alice.client.append(letter))
    assert await alice.server_text() == "Twenty keystrokes!!!"

    @database_sync_to_async
    def state():
        solution = Solution.objects.get(group=group)
        views = ResourceView.objects.filter(user=members[0], resource_kind="solution_writing")
        membership = Membership.objects.get(cohort=group.release.cohort, user=members[0])
        return solution.body, solution.versions.count(), views.count(), membership.resource_views

    for _ in range(60):
        body, versions, views, counted = await state()
        if versions:
            break
        await asyncio.sleep(0.05)
    assert body == "Twenty keystrokes!!!"
    assert versions == 1 and views == 1 and counted == 1
    dashboard = [e for e in live_events_match_their_schemas if "dashboard" in e[0]]
    assert len(dashboard) == 1  # one member.updated, not twenty


async def test_a_restore_and_a_form_save_reach_open_editors_as_changes(ws_connect, group, members):
    from scenarios.services.solutions import save_solution

    alice = await join(ws_connect, group, members[0])
    await alice.send(alice.client.append("Typed live."))
    assert await alice.server_text() == "Typed live."
    await database_sync_to_async(coediting.take_version)(group_id=group.pk)  # version 1
    await database_sync_to_async(save_solution)(
        group=group, author=members[1], body="Saved from the form.", base_version=1
    )
    await alice.until_text("Saved from the form.")
    await database_sync_to_async(coediting.restore_version)(group=group, user=members[2], number=1)
    await alice.until_text("Typed live.")
    await alice.send(alice.client.append(" More."))  # the editor carries on from there
    assert await alice.server_text() == "Typed live. More."


def awareness(client: int, clock: int, state: str) -> bytes:
    from pycrdt import write_var_uint

    data = state.encode()
    body = write_var_uint(1) + write_var_uint(client) + write_var_uint(clock)
    body += write_var_uint(len(data)) + data
    return b"\x01" + write_var_uint(len(body)) + body


async def test_presence_is_relayed_and_removed_when_a_socket_closes(ws_connect, group, members):
    alice = await join(ws_connect, group, members[0])
    bob = await join(ws_connect, group, members[1])
    hello = awareness(4242, 3, '{"user":{"name":"Member 1"},"cursor":null}')
    await alice.send(hello)
    assert (await bob.next())["bytes"] == hello
    await alice.ws.disconnect()
    assert (await bob.next())["bytes"] == awareness(4242, 4, "null")
    assert await stored_rows(group) == 0  # presence is never stored


def awareness_of(*entries: tuple[int, int, str]) -> bytes:
    from pycrdt import write_var_uint

    body = write_var_uint(len(entries))
    for client, clock, state in entries:
        data = state.encode()
        body += write_var_uint(client) + write_var_uint(clock) + write_var_uint(len(data)) + data
    return b"\x01" + write_var_uint(len(body)) + body


async def test_presence_carries_the_name_the_group_sees_whatever_the_page_claims(
    ws_connect, group, members
):
    alice = await join(ws_connect, group, members[0])
    bob = await join(ws_connect, group, members[1])
    await alice.send(awareness(4242, 1, '{"user":{"name":"Member 2","color":"#f00"},"cursor":7}'))
    assert (await bob.next())["bytes"] == awareness(
        4242, 1, '{"user":{"name":"Member 1","color":"#f00"},"cursor":7}'
    )
    await alice.send(awareness(4242, 2, '{"user":"Member 2","cursor":8}'))
    assert (await bob.next())["bytes"] == awareness(
        4242, 2, '{"user":{"name":"Member 1"},"cursor":8}'
    )


async def test_a_socket_cannot_speak_for_a_client_id_another_socket_owns(
    ws_connect, group, members
):
    alice = await join(ws_connect, group, members[0])
    bob = await join(ws_connect, group, members[1])
    carol = await join(ws_connect, group, members[2])
    hello = awareness(4242, 1, '{"user":{"name":"Member 1"}}')
    await alice.send(hello)
    assert (await carol.next())["bytes"] == hello
    await bob.next()
    await bob.send(awareness(4242, 2, '{"user":{"name":"Member 2"},"cursor":1}'))  # taken over
    await bob.send(awareness(4242, 3, "null"))  # made to leave
    await bob.send(awareness(99, 1, "null"))  # nobody's: nothing to remove
    await bob.send(awareness_of((4242, 4, "{}"), (777, 1, "{}")))  # only its own part goes
    own = awareness(777, 1, '{"user":{"name":"Member 2"}}')
    assert (await carol.next())["bytes"] == own
    assert (await alice.next())["bytes"] == own
    await bob.ws.disconnect()
    assert (await carol.next())["bytes"] == awareness(777, 2, "null")
    await alice.ws.disconnect()
    assert (await carol.next())["bytes"] == awareness(4242, 2, "null")  # alice's, as she left it


async def test_a_reconnecting_page_takes_its_client_id_from_its_own_old_socket(
    ws_connect, group, members
):
    old = await join(ws_connect, group, members[0])
    bob = await join(ws_connect, group, members[1])
    hello = awareness(4242, 1, '{"user":{"name":"Member 1"}}')
    await old.send(hello)
    assert (await bob.next())["bytes"] == hello
    new = await join(ws_connect, group, members[0])  # before the old one is seen to close
    again = awareness(4242, 2, '{"user":{"name":"Member 1"}}')
    await new.send(again)
    assert (await bob.next())["bytes"] == again
    await old.ws.disconnect()
    assert await bob.ws.receive_nothing(timeout=0.3)  # the id is the new socket's now
    await new.ws.disconnect()
    assert (await bob.next())["bytes"] == awareness(4242, 3, "null")


async def test_a_socket_speaks_for_a_few_client_ids_at_most(ws_connect, group, members):
    alice = await join(ws_connect, group, members[0])
    bob = await join(ws_connect, group, members[1])
    await alice.send(awareness_of(*[(client, 1, "{}") for client in range(1, 7)]))
    named = '{"user":{"name":"Member 1"}}'
    assert (await bob.next())["bytes"] == awareness_of(*[(c, 1, named) for c in range(1, 5)])


async def test_a_client_id_another_process_speaks_for_is_not_taken(ws_connect, group, members):
    from scenarios.consumers import rooms

    alice = await join(ws_connect, group, members[0])
    bob = await join(ws_connect, group, members[1])
    elsewhere = awareness(4242, 1, '{"user":{"name":"Member 3"}}')
    message = {"type": "solution.awareness", "message": elsewhere, "owner": "x", "present": [4242]}
    rooms().local(group.pk, {**message, "left": []})
    assert (await alice.next())["bytes"] == elsewhere
    assert (await bob.next())["bytes"] == elsewhere
    await alice.send(awareness(4242, 2, "{}"))
    await alice.send(awareness(5, 1, "{}"))
    assert (await bob.next())["bytes"] == awareness(5, 1, '{"user":{"name":"Member 1"}}')


def wrapped(update: bytes) -> bytes:
    return b"\x01" + bytes([len(update)]) + update


ONE = b"\x01\x05\x01\x02{}"  # one client, 5, clock 1, state {}


@pytest.mark.parametrize(
    "message",
    [
        b"\x01",  # no update
        b"\x01\x09" + ONE,  # an update longer than what follows
        wrapped(ONE) + b"\x00",  # bytes after the update
        wrapped(ONE + b"\x00"),  # bytes after the clients
        wrapped(b"\x02" + ONE[1:]),  # fewer clients than counted
        wrapped(b"\x01\x05\x01\x09{}"),  # a state longer than what follows
        wrapped(b"\x01\x05\x01\x02[]"),  # a state that is not an object
        wrapped(b"\x01\x05\x01\x03NaN"),  # not JSON
        wrapped(b"\x01\x05\x01\x03{x}"),  # not JSON
        wrapped(b"\x01\x05\x01\x02\xff\xfe"),  # not UTF-8
        wrapped(b"\x01\xff\xff"),  # a truncated client id
    ],
)
async def test_malformed_presence_closes_4400_and_relays_nothing(
    ws_connect, group, members, message
):
    alice = await join(ws_connect, group, members[0])
    bob = await join(ws_connect, group, members[1])
    await alice.send(message)
    await alice.closed_with(4400)
    assert await bob.ws.receive_nothing(timeout=0.3)


async def test_a_closed_release_makes_the_editor_read_only(ws_connect, group, members):
    from datetime import timedelta

    from django.utils import timezone

    from scenarios.models import Release

    alice = await join(ws_connect, group, members[0])
    await alice.send(alice.client.append("Before"))
    assert await alice.server_text() == "Before"
    await database_sync_to_async(Release.objects.filter(pk=group.release_id).update)(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(days=1)
    )
    await alice.send(alice.client.append(" after"))
    assert await alice.server_text() == "Before"
    assert alice.client.read_only
    assert await stored_text(group) == "Before"
