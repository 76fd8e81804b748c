"""A notification as the API lists it and the live ``notification`` event carries it."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


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
