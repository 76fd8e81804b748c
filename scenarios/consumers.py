"""The live socket of a group's solution (issue 22): ``/ws/groups/{id}/solution``.

It speaks the Yjs sync and awareness protocol of y-websocket (``messageSync`` 0 with sync
step 1, step 2 and update; ``messageAwareness`` 1; ``messageAuth`` 2 to say "read-only"), so a
stock ``new WebsocketProvider("ws://HOST/ws/groups/{id}", "solution", doc)`` syncs with it; the
Markdown is the document's ``Y.Text`` named ``solution``. Built on pycrdt-websocket's Channels
``YjsConsumer`` (its room is a channel-layer group per solution), with what it leaves out:

- who may open it (``mentoring.rules.coediting``: the group's members write, the cohort's
  tutors read, anyone else is closed with 4403, as every other socket of the site);
- every update is committed (``scenarios.services.coediting.store_update``) before it is
  applied here or sent to anyone; a read-only socket's updates are dropped (its sync step 1 is
  still answered, so it sees the text);
- limits: an update over 256 KB or one taking the document over 1 MB closes with 4413, bytes
  that are not Yjs with 4400, and nothing of them is stored;
- access ending closes at once with 4403: removal from the cohort, signing out, a revoked
  token (the hub's revocations, ``mentoring.realtime.hub``), a move to another group
  (``scenarios.events.solution_access_changed``); a submission makes open sockets read-only;
- debounced follow-ups: ``Solution.body`` a moment after typing stops, a version after a
  longer pause, and the member's participation once per writing session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.urls import path
from pycrdt import (
    Decoder,
    Doc,
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
    write_var_uint,
)
from pycrdt._sync import create_sync_step2_message
from pycrdt.websocket.django_channels_consumer import YjsConsumer

from mentoring.realtime import hub
from mentoring.rules.coediting import SolutionAccess
from scenarios import events
from scenarios.services import coediting
from scenarios.services.coediting import (
    BAD_UPDATE,
    EMPTY_UPDATE,
    FORBIDDEN,
    MAX_DOCUMENT_BYTES,
    MAX_UPDATE_BYTES,
    TOO_LARGE,
    UpdateRefused,
)

logger = logging.getLogger(__name__)

MESSAGE_AUTH = 2  # y-protocols/auth: [2][0 = permission denied][reason]
MAX_AWARENESS_BYTES = 64 * 1024
# Presence is checked, not just relayed: a socket speaks only for the awareness client ids it
# claimed first and no other user's socket holds (a page has one, its document's clientID), and
# the name in each state is the one the group sees for its user. Another process's claim lapses
# when not renewed for longer than y-protocols' own outdated timeout (clients renew every 15 s).
MAX_PRESENCE_CLIENTS = 4
REMOTE_CLAIM_SECONDS = 30.0
# A moment after typing stops, ``Solution.body`` follows the document; after a longer pause a
# version is taken (and the updates behind it compacted). Continuous typing takes one anyway
# every VERSION_EVERY updates, so compaction keeps up.
BODY_DELAY = 2.0
VERSION_PAUSE = 60.0
VERSION_EVERY = 2000

_access_to = database_sync_to_async(coediting.access_to)
_load_state = database_sync_to_async(coediting.load_state)
# Not thread-sensitive: the members' stores run side by side, each on a connection of its own
# thread (the statement is one round trip; the database orders them).
_store = database_sync_to_async(coediting.store_update, thread_sensitive=False)


def _auth_message(reason: str) -> bytes:
    data = reason.encode()
    return bytes([MESSAGE_AUTH, 0]) + write_var_uint(len(data)) + data


class _Reader:
    """lib0's encoding, read strictly: a varuint that runs past the end, a length longer than
    what is left, or bytes left over are errors (pycrdt's ``Decoder`` slices short instead)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def uint(self) -> int:
        value = shift = 0
        while True:
            if self.pos >= len(self.data) or shift > 63:
                raise ValueError("truncated or oversized varuint")
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    def chunk(self) -> bytes:
        length = self.uint()
        end = self.pos + length
        if end > len(self.data):
            raise ValueError("length past the end")
        data = self.data[self.pos : end]
        self.pos = end
        return data

    def end(self) -> None:
        if self.pos != len(self.data):
            raise ValueError("bytes left over")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _presence_entries(message: bytes) -> list[tuple[int, int, dict | None]]:
    """The clients of an awareness message, [1][length][count, then per client: id, clock,
    state JSON], as (id, clock, state); a state is an object or null (leaving). Raises
    ValueError on anything else: bytes that are not one, or a state that is not JSON."""
    outer = _Reader(message)
    outer.uint()  # the message type
    update = outer.chunk()
    outer.end()
    reader = _Reader(update)
    entries = []
    for _ in range(reader.uint()):
        client, clock = reader.uint(), reader.uint()
        try:
            state = json.loads(reader.chunk().decode(), parse_constant=_reject_constant)
        except (UnicodeDecodeError, RecursionError) as error:
            raise ValueError("bad state") from error
        if state is not None and not isinstance(state, dict):
            raise ValueError("a state is an object or null")
        entries.append((client, clock, state))
    reader.end()
    return entries


def _presence_message(entries: list[tuple[int, int, dict | None]]) -> bytes:
    """The awareness message of these (id, clock, state) entries."""
    body = write_var_uint(len(entries))
    for client, clock, state in entries:
        data = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
        body += write_var_uint(client) + write_var_uint(clock) + write_var_uint(len(data)) + data
    return bytes([YMessageType.AWARENESS]) + write_var_uint(len(body)) + body


def _presence_removed(clients: dict[int, int]) -> bytes:
    """An awareness message setting those clients' state to null (they left)."""
    return _presence_message([(client, clock + 1, None) for client, clock in clients.items()])


# --- Debounced follow-ups, per process (they outlive the socket that started them) -------------
_timers: dict[tuple[str, int], asyncio.TimerHandle] = {}
_since_version: dict[int, int] = {}
_writing_counted: dict[tuple[int, int], float] = {}


def _later(kind: str, group_id: int, delay: float, work) -> None:
    loop = asyncio.get_running_loop()
    key = (kind, group_id)
    previous = _timers.pop(key, None)
    if previous is not None:
        previous.cancel()

    def fire() -> None:
        _timers.pop(key, None)
        loop.create_task(_run(kind, group_id, work))

    _timers[key] = loop.call_later(delay, fire)


async def _run(kind: str, group_id: int, work) -> None:
    try:
        await database_sync_to_async(work)()
    except Exception:
        logger.exception("could not %s for the solution of group %s", kind, group_id)


def _flush_body(group_id: int) -> None:
    """Run a pending body sync now (the last socket of the room closed)."""
    handle = _timers.pop(("body", group_id), None)
    if handle is None:
        return
    handle.cancel()
    asyncio.get_running_loop().create_task(
        _run("body", group_id, lambda: coediting.sync_body(group_id=group_id))
    )


def _after_stored(group_id: int, user_id: int) -> None:
    _later("body", group_id, BODY_DELAY, lambda: coediting.sync_body(group_id=group_id))
    count = _since_version[group_id] = _since_version.get(group_id, 0) + 1

    def version() -> None:
        _since_version.pop(group_id, None)
        coediting.take_version(group_id=group_id)

    _later("version", group_id, 0 if count >= VERSION_EVERY else VERSION_PAUSE, version)
    now = time.monotonic()
    key = (user_id, group_id)
    last = _writing_counted.get(key)
    if last is None or now - last >= coediting.WRITING_WINDOW_SECONDS:
        _writing_counted[key] = now
        asyncio.get_running_loop().create_task(
            _run(
                "count participation",
                group_id,
                lambda: coediting.record_writing(user_id=user_id, group_id=group_id),
            )
        )


# --- Rooms: one document per group's solution per process ------------------------------------
class Room:
    """The sockets of one group's solution in this process, and the document they share:
    every update stored, from here or from another process, is applied to it, so a socket's
    sync step 1 is answered from memory."""

    def __init__(self, group_id: int) -> None:
        self.group_id = group_id
        self.doc = Doc()
        self.size = 0  # an upper bound of the encoded document (what was applied)
        self.sockets: set[SolutionConsumer] = set()
        self.loaded: asyncio.Future | None = None
        # Awareness client id → the local socket that claimed it, or (token, user id, when last
        # heard) for the sockets of other processes.
        self.claims: dict[int, SolutionConsumer | tuple[str, int | None, float]] = {}

    def may_claim(self, client: int, socket: SolutionConsumer) -> bool:
        """Free, its own, or its user's: a page that reconnects keeps its document's
        clientID, and its new socket may come before the old one is seen to close."""
        claim = self.claims.get(client)
        if claim is None or claim is socket:
            return True
        if isinstance(claim, tuple):
            owner, user_id, when = claim
            return user_id == socket.user_id or time.monotonic() - when > REMOTE_CLAIM_SECONDS
        if claim.user_id == socket.user_id:
            claim.presence.pop(client, None)  # moved: closing the old socket leaves it be
            return True
        return False

    def remote_presence(self, message: dict) -> None:
        """Another process relayed (checked) presence: note who speaks for which ids there."""
        owner, user_id = message.get("owner"), message.get("user_id")
        if not isinstance(owner, str):
            return
        now = time.monotonic()
        for client in message.get("present") or ():
            if not isinstance(self.claims.get(client), SolutionConsumer):
                self.claims[client] = (owner, user_id, now)
        for client in message.get("left") or ():
            claim = self.claims.get(client)
            if isinstance(claim, tuple) and claim[0] == owner:
                del self.claims[client]

    def apply(self, update: bytes) -> bool:
        try:
            self.doc.apply_update(update)
        except Exception:
            logger.exception("a stored update did not apply to the solution of %s", self.group_id)
            return False
        self.size += len(update)
        return True

    def check_size(self, update: bytes) -> None:
        """Refuse an update that would take the document over 1 MB; measured only near it."""
        if self.size + len(update) <= MAX_DOCUMENT_BYTES:
            return
        trial = Doc()
        trial.apply_update(self.doc.get_update())
        exact = len(trial.get_update())
        self.size = exact
        trial.apply_update(update)
        if len(trial.get_update()) > MAX_DOCUMENT_BYTES:
            raise UpdateRefused(TOO_LARGE, "The solution can be at most 1 MB.")


class Rooms:
    """This event loop's rooms, and their link to the other processes: one channel of the
    channel layer per process (not per socket, as ``mentoring.realtime.hub`` does for the same
    reasons), in each open room's group (``scenarios.events.document_group``). An update goes
    to the local sockets directly and to the group for the other processes; the services'
    messages (a restore, a submission, a move) arrive through the group."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.rooms: dict[int, Room] = {}
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.process = uuid.uuid4().hex
        self.task: asyncio.Task | None = None

    async def join(self, group_id: int, socket: SolutionConsumer) -> Room:
        room = self.rooms.get(group_id)
        if room is None:
            room = self.rooms[group_id] = Room(group_id)
            room.loaded = self.loop.create_future()
            try:
                # Join before loading: what is stored meanwhile arrives twice (Yjs ignores it).
                await self._group_add(group_id)
                state = await _load_state(group_id)
            except BaseException as error:
                room.loaded.set_exception(error)
                self.rooms.pop(group_id, None)
                raise
            room.apply(state)
            room.loaded.set_result(None)
        else:
            await asyncio.shield(room.loaded)
        room.sockets.add(socket)
        return room

    def leave(self, group_id: int, socket: SolutionConsumer) -> None:
        room = self.rooms.get(group_id)
        if room is None:
            return
        room.sockets.discard(socket)
        if not room.sockets and room.loaded is not None and room.loaded.done():
            del self.rooms[group_id]
            if self.layer is not None and self.channel is not None:
                self.loop.create_task(self._group_discard(group_id, self.channel))

    async def _group_add(self, group_id: int) -> None:
        if self.layer is None:
            return
        if self.task is None or self.task.done():
            self.channel = await self.layer.new_channel()
            self.task = self.loop.create_task(self._receive())
        try:
            await self.layer.group_add(events.document_group(group_id), self.channel)
        except Exception:
            logger.warning("could not join the solution of %s on the channel layer", group_id)

    async def _group_discard(self, group_id: int, channel: str) -> None:
        if group_id in self.rooms:
            return  # a socket opened it again meanwhile
        with contextlib.suppress(Exception):
            await self.layer.group_discard(events.document_group(group_id), channel)

    def local(self, group_id: int, message: dict, origin: SolutionConsumer | None = None) -> None:
        room = self.rooms.get(group_id)
        if room is None:
            return
        if message["type"] == "solution.update" and not room.apply(message["update"]):
            return
        if message["type"] == "solution.awareness" and origin is None:
            room.remote_presence(message)
        for socket in list(room.sockets):
            if socket is not origin:
                socket.deliver(message)

    async def publish(self, group_id: int, message: dict, origin: SolutionConsumer) -> None:
        self.local(group_id, message, origin)
        if self.layer is None:
            return
        try:
            await self.layer.group_send(
                events.document_group(group_id),
                {**message, "group_id": group_id, "process": self.process},
            )
        except Exception:  # the other processes' clients repair it with their next sync
            logger.warning("could not send to the solution of %s", group_id, exc_info=True)

    async def _receive(self) -> None:
        backoff = 0.5
        while True:
            try:
                message = await self.layer.receive(self.channel)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                # A blocking read timing out keeps the channel (what was sent waits in it);
                # anything worse gets a new channel and joins the open rooms again.
                logger.debug("channel layer read failed; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                if backoff >= 4:
                    with contextlib.suppress(Exception):
                        self.channel = await self.layer.new_channel()
                        for group_id in list(self.rooms):
                            await self.layer.group_add(
                                events.document_group(group_id), self.channel
                            )
                continue
            if message.get("process") == self.process:
                continue  # ours, already delivered here
            group_id = message.get("group_id")
            if isinstance(group_id, int):
                self.local(group_id, message)


_rooms: dict[asyncio.AbstractEventLoop, Rooms] = {}


def rooms() -> Rooms:
    loop = asyncio.get_running_loop()
    for other in [old for old in _rooms if old.is_closed()]:
        del _rooms[other]
    if loop not in _rooms:
        _rooms[loop] = Rooms(loop)
    return _rooms[loop]


# --- The socket -----------------------------------------------------------------------------
MAX_OUTBOX = 5000
TRY_AGAIN_LATER = 1013


class SolutionConsumer(YjsConsumer):
    # No channel per socket: ``Rooms`` has one per process (an alias naming no layer).
    channel_layer_alias = "solution-sockets-use-rooms"
    # What the hub needs to close this socket when access ends (``hub.Subscriber``).
    user_id: int | None = None
    cohort_id: int | None = None
    session_key: str | None = None
    token_id: int | None = None

    def make_room_name(self) -> str:
        return events.document_group(self.group_id)

    async def connect(self) -> None:
        self.group_id = int(self.scope["url_route"]["kwargs"]["group_id"])
        self.access = SolutionAccess.NONE
        self.revoked = False
        self.room: Room | None = None
        self.hub: hub.Hub | None = None
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.writer: asyncio.Task | None = None
        # The awareness (presence) clients this socket announced, with their last clock: they
        # are removed for everyone when it closes, as y-websocket's own server does.
        self.presence: dict[int, int] = {}
        self.token = uuid.uuid4().hex  # names this socket's claims to the other processes
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            self.user = user
            self.user_id = user.pk
            self.token_id = self.scope.get("auth_token_id")
            session = self.scope.get("session")
            if self.token_id is None and session is not None:
                self.session_key = session.session_key
            self.hub = hub.hub()
            self.hub.track(self)  # before the check: a revocation meanwhile still counts
            self.access, self.cohort_id = await _access_to(user, self.group_id)
        await self.accept()
        if self.access is SolutionAccess.NONE or self.revoked:
            await self._refuse(FORBIDDEN)
            return
        self.room_name = self.make_room_name()
        room = await rooms().join(self.group_id, self)
        if self.revoked:  # access ended while the room loaded
            rooms().leave(self.group_id, self)
            await self.close(code=FORBIDDEN)
            return
        self.room = room
        self.writer = asyncio.get_running_loop().create_task(self._write())
        self._out(create_sync_message(self.room.doc))
        if self.access is not SolutionAccess.WRITE:
            self._out(_auth_message("read-only"))

    async def _refuse(self, code: int) -> None:
        self._stop()
        await self.close(code=code)

    def _stop(self) -> None:
        self.revoked = True
        if self.hub is not None:
            self.hub.forget(self)
        if self.room is not None:
            if self.presence:
                gone = _presence_removed(self.presence)
                for client in self.presence:
                    if self.room.claims.get(client) is self:
                        del self.room.claims[client]
                message = self._presence_event(gone, present=[], left=list(self.presence))
                self.presence = {}
                asyncio.get_running_loop().create_task(
                    rooms().publish(self.group_id, message, self)
                )
            rooms().leave(self.group_id, self)
            if not rooms().rooms.get(self.group_id):
                _flush_body(self.group_id)  # the last editor left: the body now
            self.room = None
        if self.writer is not None:
            self.writer.cancel()

    async def disconnect(self, code) -> None:
        self._stop()

    # --- sending, in order, without holding up the room ------------------------------------------
    def _out(self, message: bytes) -> None:
        if self.revoked:
            return
        if self.outbox.qsize() >= MAX_OUTBOX:  # a stalled client: it resyncs when it returns
            self._stop()
            asyncio.get_running_loop().create_task(self.close(code=TRY_AGAIN_LATER))
            return
        self.outbox.put_nowait(message)

    async def _write(self) -> None:
        try:
            while True:
                message = await self.outbox.get()
                await self.send(bytes_data=message)
        except asyncio.CancelledError:
            raise
        except Exception:  # the client went away: disconnect() cleans up
            return

    def deliver(self, message: dict) -> None:
        """A message of the room (``Rooms.local``)."""
        if self.revoked:
            return
        kind = message["type"]
        if kind == "solution.update":
            self._out(create_update_message(message["update"]))
        elif kind == "solution.awareness":
            self._out(message["message"])
        elif kind == "solution.access" and message.get("user_id") in (None, self.user_id):
            asyncio.get_running_loop().create_task(self._recheck())

    async def _recheck(self) -> None:
        """Submitted, or someone left the group: ask again (4403 if nothing is left)."""
        self.access, _ = await _access_to(self.user, self.group_id)
        if self.revoked:
            return
        if self.access is SolutionAccess.NONE:
            await self._refuse(FORBIDDEN)
        elif self.access is SolutionAccess.READ:
            self._out(_auth_message("read-only"))

    # --- the hub's side (``hub.Subscriber``) ----------------------------------------------------
    def push(self, seq: int, texts: dict[str, str]) -> None:
        pass  # this socket follows no stream of the hub, only its revocations

    def resync(self, seq: int) -> None:
        pass

    def revoke(self) -> None:
        if self.revoked:
            return
        joined = self.room is not None
        self._stop()
        if joined:  # before that, connect() sees ``revoked`` and refuses
            asyncio.get_running_loop().create_task(self.close(code=FORBIDDEN))

    # --- from the client ------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.revoked or self.room is None:
            return
        if bytes_data is None:
            await self._refuse(BAD_UPDATE)  # y-websocket speaks binary only
            return
        try:
            kind = bytes_data[0]
            if kind == YMessageType.SYNC:
                step = bytes_data[1]
                payload = Decoder(bytes_data[2:]).read_message()
                if payload is None:
                    raise ValueError("no payload")
                await self._sync_message(step, payload)
            elif kind == YMessageType.AWARENESS:
                if len(bytes_data) > MAX_AWARENESS_BYTES:
                    raise UpdateRefused(TOO_LARGE, "Presence messages are at most 64 KB.")
                await self._presence(_presence_entries(bytes_data))
            else:
                raise ValueError(f"unknown message type {kind}")
        except UpdateRefused as refused:
            await self._refuse(refused.code)
        except (IndexError, ValueError, RuntimeError):
            await self._refuse(BAD_UPDATE)

    def _presence_event(self, message: bytes, *, present: list[int], left: list[int]) -> dict:
        return {
            "type": "solution.awareness",
            "message": message,
            "owner": self.token,
            "user_id": self.user_id,
            "present": present,
            "left": left,
        }

    async def _presence(self, entries: list[tuple[int, int, dict | None]]) -> None:
        """Relay this socket's presence, checked: entries for client ids another user's socket
        owns (or past this socket's few) are dropped, a null state (leaving) only for its own ids,
        and every state carries the name the group sees for this user, whatever the page
        said. What is left is encoded again and sent on."""
        room = self.room
        name = self.user.shown_name
        kept, present, left = [], [], []
        for client, clock, state in entries:
            if state is None:
                if client not in self.presence:
                    continue
                del self.presence[client]
                if room.claims.get(client) is self:
                    del room.claims[client]
                left.append(client)
            else:
                owned = client in self.presence
                if not owned and (
                    len(self.presence) >= MAX_PRESENCE_CLIENTS or not room.may_claim(client, self)
                ):
                    continue
                room.claims[client] = self
                self.presence[client] = clock
                user = state.get("user")
                state["user"] = {**(user if isinstance(user, dict) else {}), "name": name}
                present.append(client)
            kept.append((client, clock, state))
        if not kept:
            return
        message = _presence_message(kept)
        await rooms().publish(
            self.group_id, self._presence_event(message, present=present, left=left), self
        )

    async def _sync_message(self, step: int, payload: bytes) -> None:
        room = self.room
        if step == YSyncMessageType.SYNC_STEP1:
            try:
                missing = room.doc.get_update(payload)
            except Exception as error:
                raise ValueError("bad state vector") from error
            self._out(create_sync_step2_message(missing))
            return
        if step not in (YSyncMessageType.SYNC_STEP2, YSyncMessageType.SYNC_UPDATE):
            raise ValueError(f"unknown sync step {step}")
        if len(payload) > MAX_UPDATE_BYTES:
            raise UpdateRefused(TOO_LARGE, "An update can be at most 256 KB.")
        if self.access is not SolutionAccess.WRITE:
            return  # read-only: dropped, never stored
        coediting.check_update(payload)
        if payload == EMPTY_UPDATE:
            return
        room.check_size(payload)
        try:
            await _store(group_id=self.group_id, user=self.user, update=payload)
        except UpdateRefused as refused:
            if refused.code == coediting.READ_ONLY:
                self.access = SolutionAccess.READ
                self._out(_auth_message("read-only"))
                return
            raise
        if self.revoked:
            return
        await rooms().publish(self.group_id, {"type": "solution.update", "update": payload}, self)
        _after_stored(self.group_id, self.user_id)


websocket_urlpatterns = [
    path("ws/groups/<int:group_id>/solution", SolutionConsumer.as_asgi()),
]
