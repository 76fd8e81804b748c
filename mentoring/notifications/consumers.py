"""The socket of a user's notifications (``/ws/notifications/``): their own stream only."""

from __future__ import annotations

from django.urls import path

from mentoring.notifications.events import user_group
from mentoring.realtime.consumers import LiveConsumer, Subscription


class NotificationConsumer(LiveConsumer):
    async def authorize(self, user) -> Subscription | None:
        return Subscription(user_group(user.pk))


websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
