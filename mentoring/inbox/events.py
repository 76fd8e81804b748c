"""The inbox's live event, sent on the cohort's dashboard stream (which only the cohort's tutors
may open: ``mentoring.participation.consumers``)."""

from __future__ import annotations

from mentoring.inbox.schemas import InboxUpdated
from mentoring.participation.events import dashboard_group
from mentoring.realtime.events import send_after_commit, send_now


def inbox_updated(cohort_id: int) -> None:
    """Something in the cohort's inbox changed: open inbox pages refetch it. The message names
    no post or person."""
    event = InboxUpdated(cohort_id=cohort_id)
    send_after_commit(lambda: send_now(dashboard_group(cohort_id), event))
