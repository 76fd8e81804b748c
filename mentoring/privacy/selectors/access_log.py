"""The access log's part of a member's data export (their own page of it is participation's:
``mentoring.participation.selectors.access_log``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mentoring.core.privacy import Provider
from mentoring.models import AccessLogEntry, User


# --- The member's data export (mentoring.core.privacy) -------------------------------------
def export_access_log(user: User, now: datetime) -> dict[str, Any]:
    """Who looked at the person's data (as their "my participation" page shows it), and what
    they themselves opened of others' as tutor or staff: when and what, never whose data."""
    about = AccessLogEntry.objects.filter(subject=user).select_related("cohort")
    by = AccessLogEntry.objects.filter(actor=user).exclude(subject=user).select_related("cohort")
    return {
        "access_log": [
            {
                "who": e.actor_name,
                "action": e.get_action_display(),
                "cohort": e.cohort.name if e.cohort else None,
                "detail": e.detail,
                "at": e.created_at,
            }
            for e in about.order_by("created_at", "pk")
        ],
        "access_by_you": [
            {
                "action": e.action,
                "cohort": e.cohort.name if e.cohort else None,
                "at": e.created_at,
            }
            for e in by.order_by("created_at", "pk")
        ],
    }


PRIVACY = Provider(
    name="access_log",
    title="Who looked at your data",
    covers={"mentoring.AccessLogEntry": ("subject", "actor")},
    export=export_access_log,
    parts={
        "access_log": "Tutors and staff who opened, exported or erased your data",
        "access_by_you": "What you opened of members' data (as tutor or staff)",
    },
)
