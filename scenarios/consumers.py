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
import logging
import time

from channels.db import database_sync_to_async
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
# A moment after typing stops, ``Solution.body`` follows the document; after a longer pause a
# version is taken (and the updates behind it compacted). Continuous typing takes one anyway
# every VERSION_EVERY updates, so compaction keeps up.
BODY_DELAY = 2.0
VERSION_PAUSE = 60.0
VERSION_EVERY = 2000

_access_to = database_sync_to_async(coediting.access_to)
_load_state = database_sync_to_async(coediting.load_state)
_store = database_sync_to_async(coediting.store_update)


def _auth_message(reason: str) -> bytes:
    data = reason.encode()
    return bytes([MESSAGE_AUTH, 0]) + write_var_uint(len(data)) + data


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


class SolutionConsumer(YjsConsumer):
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
        self.joined = False
        self.hub: hub.Hub | None = None
        self.size = 0
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
        # Join before loading: an update stored meanwhile arrives twice, which Yjs ignores.
        await self.channel_layer.group_add(self.room_name, self.channel_name)
        self.joined = True
        state = await _load_state(self.group_id)
        self.ydoc = Doc()
        self.ydoc.apply_update(state)
        self.size = len(state)
        await self.send(bytes_data=create_sync_message(self.ydoc))
        if self.access is not SolutionAccess.WRITE:
            await self.send(bytes_data=_auth_message("read-only"))

    async def _refuse(self, code: int) -> None:
        self.revoked = True
        if self.hub is not None:
            self.hub.forget(self)
        await self.close(code=code)

    async def disconnect(self, code) -> None:
        if self.hub is not None:
            self.hub.forget(self)
        if self.joined:
            self.joined = False
            await self.channel_layer.group_discard(self.room_name, self.channel_name)

    # --- the hub's side (``hub.Subscriber``) ----------------------------------------------------
    def push(self, seq: int, texts: dict[str, str]) -> None:
        pass  # this socket follows no stream of the hub, only its revocations

    def resync(self, seq: int) -> None:
        pass

    def revoke(self) -> None:
        if self.revoked:
            return
        self.revoked = True
        if self.hub is not None:
            self.hub.forget(self)
        if self.joined:  # before that, connect() sees ``revoked`` and refuses
            asyncio.get_running_loop().create_task(self.close(code=FORBIDDEN))

    # --- from the client ------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.revoked or not self.joined:
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
                await self.channel_layer.group_send(
                    self.room_name,
                    {
                        "type": "solution.awareness",
                        "message": bytes_data,
                        "origin": self.channel_name,
                    },
                )
            else:
                raise ValueError(f"unknown message type {kind}")
        except UpdateRefused as refused:
            await self._refuse(refused.code)
        except (IndexError, ValueError, RuntimeError):
            await self._refuse(BAD_UPDATE)

    async def _sync_message(self, step: int, payload: bytes) -> None:
        if step == YSyncMessageType.SYNC_STEP1:
            try:
                missing = self.ydoc.get_update(payload)
            except Exception as error:
                raise ValueError("bad state vector") from error
            await self.send(bytes_data=create_sync_step2_message(missing))
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
        self._check_size(payload)
        try:
            await _store(group_id=self.group_id, user=self.user, update=payload)
        except UpdateRefused as refused:
            if refused.code == coediting.READ_ONLY:
                self.access = SolutionAccess.READ
                await self.send(bytes_data=_auth_message("read-only"))
                return
            raise
        self.ydoc.apply_update(payload)
        self.size += len(payload)
        await self.channel_layer.group_send(
            self.room_name,
            {"type": "solution.update", "update": payload, "origin": self.channel_name},
        )
        _after_stored(self.group_id, self.user_id)

    def _check_size(self, update: bytes) -> None:
        """Refuse an update that would take the document over 1 MB. ``size`` (what was applied
        here) bounds the encoded document from above; only near the limit is it measured."""
        if self.size + len(update) <= MAX_DOCUMENT_BYTES:
            return
        trial = Doc()
        trial.apply_update(self.ydoc.get_update())
        trial.apply_update(update)
        exact = len(trial.get_update())
        if exact > MAX_DOCUMENT_BYTES:
            raise UpdateRefused(TOO_LARGE, "The solution can be at most 1 MB.")
        self.size = exact - len(update)

    # --- from the room (the channel layer) ------------------------------------------------------
    async def solution_update(self, message: dict) -> None:
        if self.revoked or message.get("origin") == self.channel_name:
            return
        update = message["update"]
        try:
            self.ydoc.apply_update(update)
        except Exception:
            logger.exception("a stored update did not apply")
            return
        self.size += len(update)
        await self.send(bytes_data=create_update_message(update))

    async def solution_awareness(self, message: dict) -> None:
        if self.revoked or message.get("origin") == self.channel_name:
            return
        await self.send(bytes_data=message["message"])

    async def solution_access(self, message: dict) -> None:
        """Submitted, or someone left the group: ask again (4403 if nothing is left)."""
        if self.revoked or message.get("user_id") not in (None, self.user_id):
            return
        self.access, _ = await _access_to(self.user, self.group_id)
        if self.access is SolutionAccess.NONE:
            await self._refuse(FORBIDDEN)
        elif self.access is SolutionAccess.READ:
            await self.send(bytes_data=_auth_message("read-only"))

    async def send_message(self, message_wrapper) -> None:  # YjsConsumer's group message
        with contextlib.suppress(Exception):
            await self.send(bytes_data=message_wrapper["message"])


websocket_urlpatterns = [
    path("ws/groups/<int:group_id>/solution", SolutionConsumer.as_asgi()),
]
