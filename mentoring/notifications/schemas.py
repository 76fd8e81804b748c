"""A notification as the API lists it, and the live events of a user's notifications stream
(``notification``, ``notification.withdrawn``), the first carrying it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema

from mentoring.realtime.schemas import StreamMessage


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    cohort_id: int | None
    thread_id: int | None
    created_at: datetime
    read: bool


# --- Live events: /ws/notifications/ --------------------------------------------------------
class NotificationCreated(StreamMessage):
    type: Literal["notification"] = "notification"
    notification: NotificationOut


class NotificationWithdrawn(StreamMessage):
    type: Literal["notification.withdrawn"] = "notification.withdrawn"
    id: int
