"""The caller's notifications."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from mentoring.core.api import CURSOR_QUERY_DESCRIPTION, limit_query
from mentoring.core.pagination import link_header, page_url
from mentoring.notifications.schemas import NotificationOut
from mentoring.notifications.selectors import (
    NOTIFICATIONS_PAGE,
    notification_payload,
    notifications_page,
    unread_count,
)
from mentoring.notifications.services.notifications import mark_read

router = Router(tags=["notifications"])


class NotificationsOut(Schema):
    unread: int
    notifications: list[NotificationOut]
    next: str | None = Field(None, description="The next page's URL, or null on the last page.")


class MarkReadIn(Schema):
    ids: list[int] | None = None


@router.get("/notifications", response=NotificationsOut)
def list_notifications(
    request,
    response: HttpResponse,
    limit: int = limit_query(NOTIFICATIONS_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
):
    """The caller's notifications, newest first; ``next`` (and ``Link: rel="next"``) pages."""
    page = notifications_page(
        user=request.auth, limit=NOTIFICATIONS_PAGE.parse(limit), cursor=cursor
    )
    next_url = page_url(request, page.next_cursor)
    for name, value in link_header(next_url).items():
        response[name] = value
    return {
        "unread": unread_count(user=request.auth),
        "notifications": [notification_payload(n) for n in page.items],
        "next": next_url,
    }


@router.post("/notifications/read")
def read_notifications(request, data: MarkReadIn):
    return {"marked": mark_read(user=request.auth, notification_ids=data.ids)}
