"""The live ``solution.saved`` event, on each group member's notifications stream
(``mentoring.notifications.events.user_group``)."""

from __future__ import annotations

from mentoring.models import Membership
from mentoring.notifications.events import user_group
from mentoring.realtime.events import send_after_commit, send_now
from scenarios.schemas import SolutionSaved


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
