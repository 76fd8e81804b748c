"""Websocket consumers: authenticate, check the object permission, join groups, forward.

No business logic: what to send is decided by ``mentoring.realtime.events``. Anyone not allowed is
accepted and then closed with 4403, so clients can tell "forbidden" from a network error.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from mentoring.realtime import events

FORBIDDEN = 4403


class GuardedConsumer(AsyncJsonWebsocketConsumer):
    """Base consumer: subclasses say which groups the connected user may join, or None."""

    groups_joined: list[str]
    sees_tutor_payload = False

    async def authorize(self, user) -> list[str] | None:
        raise NotImplementedError

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        groups = None
        if user is not None and user.is_authenticated:
            groups = await self.authorize(user)
        await self.accept()
        if not groups:
            await self.close(code=FORBIDDEN)
            return
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.send_json({"type": "ready"})

    async def disconnect(self, code) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def forward(self, message) -> None:
        payload = message["payload"]
        if self.sees_tutor_payload and "tutor_payload" in message:
            payload = message["tutor_payload"]
        await self.send_json(payload)


class NotificationConsumer(GuardedConsumer):
    async def authorize(self, user) -> list[str] | None:
        return [events.user_group(user.pk)]


@database_sync_to_async
def _thread_access(user, thread_id: int) -> tuple[bool, bool]:
    """(may see the thread, is a tutor of its cohort)."""
    from mentoring.boards.selectors import visible_thread
    from mentoring.rules.permissions import is_tutor

    thread = visible_thread(user=user, thread_id=thread_id)
    if thread is None:
        return False, False
    return True, is_tutor(user, thread.cohort)


class ThreadConsumer(GuardedConsumer):
    async def authorize(self, user) -> list[str] | None:
        thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        allowed, tutor = await _thread_access(user, thread_id)
        self.sees_tutor_payload = tutor
        return [events.thread_group(thread_id)] if allowed else None


@database_sync_to_async
def _may_watch_dashboard(user, cohort_id: int) -> bool:
    from mentoring.models import Cohort
    from mentoring.rules.permissions import can_view_participation

    cohort = Cohort.objects.filter(pk=cohort_id).first()
    return cohort is not None and can_view_participation(user, cohort)


class DashboardConsumer(GuardedConsumer):
    sees_tutor_payload = True

    async def authorize(self, user) -> list[str] | None:
        cohort_id = int(self.scope["url_route"]["kwargs"]["cohort_id"])
        if await _may_watch_dashboard(user, cohort_id):
            return [events.dashboard_group(cohort_id)]
        return None
