"""API shapes for invitations and roster imports."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class RosterRowOut(Schema):
    line: int
    email: str
    outcome: str = Field(..., description="invite, enrol, already_member or error")
    detail: str


def _warnings():
    return Field(default_factory=list, description="e.g. the columns that were ignored")


def _columns():
    return Field(default_factory=dict, description="each field read and the header it came from")


class RosterReportOut(Schema):
    rows: list[RosterRowOut]
    counts: dict[str, int]
    warnings: list[str] = _warnings()
    columns: dict[str, str] = _columns()
    batch_id: int | None = None


class RosterErrorOut(Schema):
    code: str
    detail: str
    rows: list[RosterRowOut]
    counts: dict[str, int]
    warnings: list[str] = _warnings()
    columns: dict[str, str] = _columns()


class InvitationOut(Schema):
    id: int
    email: str
    status: str = Field(..., description="pending, accepted, expired or revoked")
    sent_at: datetime | None
    role: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    enrolled_existing: bool


class InvitationsIn(Schema):
    emails: list[str] = Field(..., min_length=1, max_length=2000)
    role: str = "member"


class BatchOut(Schema):
    id: int
    total: int
    sent: int
    done: bool
    created_at: datetime
