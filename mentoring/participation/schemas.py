"""Shapes shared by the participation API and the dashboard's live ``member.updated`` events,
and that event."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from mentoring.realtime.schemas import StreamMessage


class ParticipantOut(Schema):
    user_id: int
    username: str
    display_name: str
    status: str
    threads_read: int
    posts: int
    resource_views: int
    last_seen: datetime | None
    nudged_at: datetime | None = Field(description="When a tutor last nudged this member.")
    posted_after_nudge: bool = Field(
        description="The member has a live post written after their last nudge."
    )
    reactions: int = Field(
        0,
        description="Reactions the member has given (a step beyond reading; not a status).",
    )
    alerts: list[str] = Field(
        description="Early warnings: went_quiet, reading_declined, never_started "
        "(see docs/features.md)."
    )


# --- Live events: /ws/cohorts/{id}/dashboard/ -----------------------------------------------
class MemberUpdated(StreamMessage):
    type: Literal["member.updated"] = "member.updated"
    member: ParticipantOut
