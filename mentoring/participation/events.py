"""The live events of a cohort's dashboard stream: a member's fresh participation row. The
stream is named here (``dashboard_group``; the inbox sends ``inbox.updated`` on it too); its
socket is ``mentoring.participation.consumers``."""

from __future__ import annotations

from mentoring.participation.schemas import MemberUpdated
from mentoring.participation.selectors.rows import member_rows_by_id
from mentoring.realtime.events import send_after_commit, send_now


def dashboard_group(cohort_id: int) -> str:
    return f"mentoring.dashboard.{cohort_id}"


def member_updated(membership_id: int, cohort_id: int) -> None:
    """Send the member's fresh participation row to the cohort's dashboards after commit."""
    members_updated([membership_id], cohort_id)


def members_updated(membership_ids: list[int], cohort_id: int) -> None:
    """Send each member's fresh row after commit: read then, so it shows the committed
    counters, in one query for all of them, and for those members only."""
    ids = list(membership_ids)

    def send() -> None:
        for row in member_rows_by_id(membership_ids=ids):
            send_now(dashboard_group(cohort_id), MemberUpdated(member=row))

    send_after_commit(send)
