"""A y-websocket client in Python (pycrdt), for tests and the bench: what the browser's
``WebsocketProvider`` sends and expects on ``/ws/groups/{id}/solution``."""

from __future__ import annotations

from pycrdt import (
    Decoder,
    Doc,
    Text,
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
)
from pycrdt._sync import create_sync_step2_message


class YClient:
    """The document side of a y-websocket client: ``feed`` what the server sends, ``edit`` to
    make the messages to send."""

    def __init__(self) -> None:
        self.doc = Doc()
        self.text = self.doc.get("solution", type=Text)
        self.synced = False
        self.read_only = False

    def step1(self) -> bytes:
        return create_sync_message(self.doc)

    def feed(self, message: bytes) -> bytes | None:
        """Handle one server message; returns the reply to send, if any."""
        if message[0] == YMessageType.SYNC:
            step = message[1]
            payload = Decoder(message[2:]).read_message()
            if step == YSyncMessageType.SYNC_STEP1:
                return create_sync_step2_message(self.doc.get_update(payload))
            self.doc.apply_update(payload)
            if step == YSyncMessageType.SYNC_STEP2:
                self.synced = True
        elif message[0] == 2:
            self.read_only = True
        return None

    def insert(self, index: int, text: str) -> bytes:
        before = self.doc.get_state()
        self.text.insert(index, text)
        return create_update_message(self.doc.get_update(before))

    def append(self, text: str) -> bytes:
        return self.insert(len(self.text), text)

    def replace(self, text: str) -> bytes:
        before = self.doc.get_state()
        with self.doc.transaction():
            del self.text[0 : len(self.text)]
            self.text.insert(0, text)
        return create_update_message(self.doc.get_update(before))

    def __str__(self) -> str:
        return str(self.text)


class SocketPeer:
    """A YClient on a real websocket (the ``websockets`` library): tests and the bench."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.client = YClient()

    @classmethod
    async def open(cls, base_url: str, group_id: int, token: str) -> SocketPeer:
        import websockets

        url = base_url.replace("http", "ws", 1) + f"/ws/groups/{group_id}/solution"
        socket = await websockets.connect(
            url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=2**22
        )
        peer = cls(socket)
        await peer.sync()
        return peer

    async def recv(self, timeout: float = 10) -> bytes:
        import asyncio

        return await asyncio.wait_for(self.socket.recv(), timeout)

    async def handle(self, message: bytes) -> None:
        reply = self.client.feed(message)
        if reply is not None:
            await self.socket.send(reply)

    async def sync(self) -> None:
        await self.socket.send(self.client.step1())
        while not self.client.synced:
            await self.handle(await self.recv())

    async def until(self, predicate, timeout: float = 10) -> None:
        while not predicate(str(self.client)):
            await self.handle(await self.recv(timeout))

    async def close(self) -> None:
        await self.socket.close()
