"""The live events of a user's notifications stream: a notification arrives, changes its words
or is withdrawn. The stream is named here (``user_group``; scenarios sends ``solution.saved``
on it too); its socket is ``mentoring.notifications.consumers``."""

from __future__ import annotations

from mentoring.models import Board
from mentoring.notifications.schemas import (
    NotificationCreated,
    NotificationOut,
    NotificationWithdrawn,
)
from mentoring.notifications.selectors import notification_payload
from mentoring.realtime import log
from mentoring.realtime.events import encode, send_after_commit, send_many_now, send_now


def user_group(user_id: int) -> str:
    return f"mentoring.user.{user_id}"


def notifications_created(notifications) -> None:
    """New notifications, each live on its user's stream after commit: one after-commit step
    and one append to the log for them all (a post's watchers are told together)."""
    events = [(user_group(n.user_id), _created(n)) for n in notifications]
    if events:
        send_after_commit(lambda: send_many_now(events))


def _created(notification) -> NotificationCreated:
    """The event of a notification just written, built without validating again what the
    model's own fields give (a post's hundreds of watchers each get one): the same JSON as
    ``NotificationCreated(notification=notification_payload(notification))`` (tested)."""
    payload = notification_payload(notification)
    payload["created_at"] = notification.created_at
    return NotificationCreated.model_construct(
        notification=NotificationOut.model_construct(**payload)
    )


def notification_rewritten(notification) -> None:
    """A notification's words changed (a retracted title taken out of it): the log's copy
    changes too, so a replay never brings the old words back."""
    event = NotificationCreated(notification=notification_payload(notification))
    log.redact(
        user_group(notification.user_id),
        path="notification,id",
        object_id=notification.pk,
        text=encode(event),
        tutors_too=True,
    )


def notification_withdrawn(*, user_id: int, notification_id: int) -> None:
    event = NotificationWithdrawn(id=notification_id)
    # Now, in the withdrawing transaction: the logged notification quotes what was withdrawn.
    log.redact(
        user_group(user_id),
        path="notification,id",
        object_id=notification_id,
        text=encode(event),
        tutors_too=True,
    )
    send_after_commit(lambda: send_now(user_group(user_id), event))


def cohort_left(*, user_id: int, cohort_id: int) -> None:
    """Removed from a cohort: the log of their notifications stream forgets the notices of
    their group's saved solutions there (a replay with ``?since=`` across the gap resyncs).
    Their notifications about the cohort are withdrawn one by one (``notification_withdrawn``).
    """
    group_ids = [
        str(pk)
        for pk in Board.objects.filter(
            cohort_id=cohort_id, scenario_group__isnull=False
        ).values_list("scenario_group", flat=True)
    ]
    if group_ids:
        log.forget(
            user_group(user_id), event_type="solution.saved", key="group_id", values=group_ids
        )
