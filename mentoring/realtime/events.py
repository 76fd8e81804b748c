"""The one place that sends to the channel layer (as Zulip sends events only from its actions).

Services call these functions inside their transaction; each send is deferred with
``transaction.on_commit`` so nothing goes out for work that rolls back. Group names are built
from ids by one function each. Payloads are plain JSON.

Every message is ``{"type": "forward", "payload": {...}}``; where tutors may see more than
members (the author of an anonymous post), ``tutor_payload`` carries the tutors' version and the
consumer picks one per connection.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from mentoring.rules.authors import ANONYMOUS_NAME

logger = logging.getLogger(__name__)


def thread_group(thread_id: int) -> str:
    return f"mentoring.thread.{thread_id}"


def dashboard_group(cohort_id: int) -> str:
    return f"mentoring.dashboard.{cohort_id}"


def user_group(user_id: int) -> str:
    return f"mentoring.user.{user_id}"


def _send_now(group: str, payload: dict[str, Any], tutor_payload: dict[str, Any] | None) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message: dict[str, Any] = {"type": "forward", "payload": payload}
    if tutor_payload is not None:
        message["tutor_payload"] = tutor_payload
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # A lost live update must never break the request that caused it.
        logger.exception("could not send %s to %s", payload.get("type"), group)


def send_after_commit(
    group: str, payload: dict[str, Any], *, tutor_payload: dict[str, Any] | None = None
) -> None:
    """Send ``payload`` to ``group`` once the current transaction commits."""
    transaction.on_commit(lambda: _send_now(group, payload, tutor_payload))


# --- Notifications --------------------------------------------------------------------------
def notification_created(notification) -> None:
    from mentoring.notifications.selectors import notification_payload

    send_after_commit(
        user_group(notification.user_id),
        {"type": "notification", "notification": notification_payload(notification)},
    )


def notification_withdrawn(*, user_id: int, notification_id: int) -> None:
    send_after_commit(
        user_group(user_id), {"type": "notification.withdrawn", "id": notification_id}
    )


# --- Participation --------------------------------------------------------------------------
def member_updated(membership_id: int, cohort_id: int) -> None:
    """Send the member's fresh participation row to the cohort's dashboards after commit."""
    members_updated([membership_id], cohort_id)


def members_updated(membership_ids: list[int], cohort_id: int) -> None:
    """Send each member's fresh row after commit: read then, so it shows the committed
    counters, in one query for all of them, and for those members only."""

    def send() -> None:
        from mentoring.participation.selectors import member_rows_by_id

        for row in member_rows_by_id(membership_ids=list(membership_ids)):
            _send_now(dashboard_group(cohort_id), {"type": "member.updated", "member": row}, None)

    transaction.on_commit(send)


# --- Threads and posts ----------------------------------------------------------------------
def _post_payload(post, *, for_tutors: bool) -> dict[str, Any]:
    """A post as a thread's watchers may see it. Peers never get an anonymous author's name or
    id; a hidden post's text goes to tutors only."""
    named = for_tutors or not post.anonymous
    hidden_from_reader = post.hidden_at is not None and not for_tutors
    return {
        "id": post.pk,
        "thread_id": post.thread_id,
        "reply_to": post.reply_to_id,
        "author": post.author.shown_name if named else ANONYMOUS_NAME,
        "author_id": post.author_id if named else None,
        "anonymous": post.anonymous,
        "body_html": "" if hidden_from_reader else post.body_html,
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "editable_until": post.editable_until.isoformat(),
        "hidden": post.hidden_at is not None,
        "retracted": False,
    }


def _send_post(kind: str, post) -> None:
    payload = {"type": kind, "post": _post_payload(post, for_tutors=False)}
    tutor_payload = {"type": kind, "post": _post_payload(post, for_tutors=True)}
    # Only where the two differ does the message carry a tutors' version.
    differs = post.anonymous or post.hidden_at is not None
    send_after_commit(
        thread_group(post.thread_id), payload, tutor_payload=tutor_payload if differs else None
    )


def post_created(post) -> None:
    _send_post("post.created", post)


def post_edited(post) -> None:
    _send_post("post.edited", post)


def post_hidden(post) -> None:
    """A tutor hid or unhid a post (an addition to the contract's three post events)."""
    _send_post("post.hidden", post)


def post_retracted(*, post_id: int, thread_id: int, tombstone: bool) -> None:
    """The text is gone, so the message carries none: only which post, and whether a tombstone
    stays (replies hang on it) or the post disappears."""
    send_after_commit(
        thread_group(thread_id),
        {
            "type": "post.retracted",
            "post": {
                "id": post_id,
                "thread_id": thread_id,
                "retracted": True,
                "tombstone": tombstone,
            },
        },
    )


# --- The tutor inbox --------------------------------------------------------------------------
def inbox_updated(cohort_id: int) -> None:
    """Something in the cohort's inbox changed: open inbox pages (on the dashboard socket, which
    only the cohort's tutors may open) refetch it. The message names no post or person."""
    send_after_commit(dashboard_group(cohort_id), {"type": "inbox.updated", "cohort_id": cohort_id})


# --- Shared solutions (scenarios) -----------------------------------------------------------
def solution_saved(*, user_ids: list[int], payload: dict[str, Any]) -> None:
    """A group's shared solution has a new version: its members' open pages say so, without
    touching what they are typing. ``payload`` (``group_id``, ``version``, ``author``,
    ``saved_at``, ``saved_at_display``) is built by the scenarios app, which owns solutions."""
    message = {"type": "solution.saved", **payload}
    for user_id in user_ids:
        send_after_commit(user_group(user_id), message)
