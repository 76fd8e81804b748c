"""The caller's notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from mentoring.core.pagination import Page, PageSize, keyset_page
from mentoring.core.privacy import Provider
from mentoring.models import Cohort, Notification, User
from mentoring.rules.permissions import tutor_memberships

NOTIFICATION_ORDER = ("-created_at", "-id")
NOTIFICATIONS_PAGE = PageSize(default=50, maximum=200)


def notifications_for(*, user: User, limit: int = 50) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by(*NOTIFICATION_ORDER)[:limit]


def notifications_page(
    *, user: User, limit: int = NOTIFICATIONS_PAGE.default, cursor: str | None = None
) -> Page[Notification]:
    """One page of the user's notifications, newest first (the page and the API)."""
    return keyset_page(
        Notification.objects.filter(user=user),
        order=NOTIFICATION_ORDER,
        limit=limit,
        cursor=cursor,
    )


def notification_of(*, user: User, notification_id: int) -> Notification | None:
    """One of the user's own notifications, or None (someone else's looks the same: 404)."""
    return Notification.objects.filter(user=user, pk=notification_id).first()


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_payload(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "cohort_id": notification.cohort_id,
        "thread_id": notification.thread_id,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def notification_pointing_at(*, user: User, path: str) -> Notification | None:
    """The user's latest notification whose link leads to ``path`` (anchor or query aside)."""
    return (
        Notification.objects.filter(user=user)
        .filter(Q(url=path) | Q(url__startswith=path + "#") | Q(url__startswith=path + "?"))
        .order_by("-created_at", "-id")
        .first()
    )


def tutored_cohorts(*, user: User) -> list[Cohort]:
    """The cohorts ``user`` tutors, by name (the e-mail settings page lists them)."""
    memberships = tutor_memberships().filter(user=user)
    return [m.cohort for m in memberships.select_related("cohort").order_by("cohort__name")]


# --- The member's data export (mentoring.privacy) --------------------------------------------
def export_notifications(user: User, now: datetime) -> dict[str, Any]:
    """Every notification the person has, as it was shown to them."""
    rows = (
        Notification.objects.filter(user=user).select_related("cohort").order_by("created_at", "id")
    )
    return {
        "notifications": [
            {
                "kind": n.kind,
                "cohort": n.cohort.name if n.cohort else None,
                "title": n.title,
                "body": n.body,
                "url": n.url,
                "created_at": n.created_at,
                "read_at": n.read_at,
                "emailed_at": n.emailed_at,
            }
            for n in rows
        ]
    }


PRIVACY = Provider(
    name="notifications",
    title="Your notifications",
    covers={"mentoring.Notification": ("user",)},
    export=export_notifications,
    parts={"notifications": "Notifications"},
)
