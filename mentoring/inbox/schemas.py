"""The inbox's live event, on the cohort's dashboard stream (``mentoring.participation``)."""

from __future__ import annotations

from typing import Literal

from mentoring.realtime.schemas import StreamMessage


class InboxUpdated(StreamMessage):
    """The cohort's tutor inbox changed: dashboards refetch it."""

    type: Literal["inbox.updated"] = "inbox.updated"
    cohort_id: int
