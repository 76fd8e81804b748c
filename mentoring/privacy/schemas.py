"""The shape of a data export over the API (docs/api.md)."""

from __future__ import annotations

from ninja import Field, Schema


class ExportOut(Schema):
    id: int
    status: str = Field(..., description="pending, ready or failed.")
    download_url: str | None = Field(
        None,
        description="Only when ready: the ZIP, for the caller alone (their session or their "
        "bearer token), for 7 days; then it answers 410.",
    )
