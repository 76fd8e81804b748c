"""The live ``solution.saved`` event, on each group member's notifications stream
(``mentoring.notifications.events.user_group``)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from mentoring.models import Membership
from mentoring.notifications.events import user_group
from mentoring.realtime.events import send_after_commit, send_now
from scenarios.schemas import SolutionSaved

logger = logging.getLogger(__name__)


def solution_saved(*, user_ids: list[int], payload: dict) -> None:
    """A group's shared solution has a new version: its members' open pages say so, without
    touching what they are typing. ``payload``: ``group_id``, ``version``, ``author``,
    ``saved_at``, ``saved_at_display``."""
    event = SolutionSaved(**payload)
    # Only to members of the group's cohort still: someone removed from the cohort stays in
    # the group's list but hears nothing more of it.
    user_ids = list(
        Membership.objects.filter(
            user_id__in=user_ids, cohort__boards__scenario_group=payload["group_id"]
        ).values_list("user_id", flat=True)
    )
    for user_id in user_ids:
        stream = user_group(user_id)
        send_after_commit(lambda stream=stream: send_now(stream, event))


# --- The live solution document (issue 22) ----------------------------------------------------
# Each process with sockets on a group's solution has one channel in this group
# (``scenarios.consumers.Rooms``): Yjs updates are binary and go to the few sockets of one
# group, with no replay log (a client that missed some gets them with Yjs' own sync steps).
def document_group(group_id: int) -> str:
    return f"scenarios.solution.{group_id}"


def _to_document(group_id: int, message: dict) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                document_group(group_id), {**message, "group_id": group_id}
            )
        except Exception:  # a lost message is repaired by the next sync; never break the save
            logger.exception("could not reach the sockets of solution %s", group_id)

    transaction.on_commit(send)


def solution_document_changed(*, group_id: int, update: bytes) -> None:
    """A change made on the server (a restore, the form): to the open sockets, after commit."""
    _to_document(group_id, {"type": "solution.update", "update": update})


def solution_locked(*, group_id: int) -> None:
    """Submitted (or closed): open sockets stop taking changes."""
    _to_document(group_id, {"type": "solution.access", "user_id": None})


def solution_access_changed(*, group_id: int, user_id: int) -> None:
    """``user_id`` left the group: their sockets on its solution ask again (and close, 4403)."""
    _to_document(group_id, {"type": "solution.access", "user_id": user_id})
