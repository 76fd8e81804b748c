"""The caller's notifications."""

from __future__ import annotations

from ninja import Router, Schema

from mentoring.notifications.schemas import NotificationOut
from mentoring.notifications.selectors import notification_payload, notifications_for, unread_count
from mentoring.notifications.services import mark_read

router = Router(tags=["notifications"])


class NotificationsOut(Schema):
    unread: int
    notifications: list[NotificationOut]


class MarkReadIn(Schema):
    ids: list[int] | None = None


@router.get("/notifications", response=NotificationsOut)
def list_notifications(request, limit: int = 50):
    limit = max(1, min(limit, 200))
    items = [notification_payload(n) for n in notifications_for(user=request.auth, limit=limit)]
    return {"unread": unread_count(user=request.auth), "notifications": items}


@router.post("/notifications/read")
def read_notifications(request, data: MarkReadIn):
    return {"marked": mark_read(user=request.auth, notification_ids=data.ids)}
