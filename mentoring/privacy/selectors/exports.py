"""A person's data exports: which they may see and download, and the privacy feature's own part
of an export (the earlier requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from mentoring.core.privacy import Provider
from mentoring.models import DataExport, User

clock = timezone.now  # Tests move it to see a download expire.


def own_export(*, user: User, export_id: int) -> DataExport | None:
    """``user``'s export ``export_id``; None for anyone else's (they may not know it exists)."""
    if not user.is_authenticated:
        return None
    return DataExport.objects.filter(pk=export_id, user=user).first()


def exports_of(*, user: User, limit: int = 10) -> list[DataExport]:
    """The person's latest exports, newest first (the data page lists them)."""
    return list(DataExport.objects.filter(user=user).order_by("-created_at", "-pk")[:limit])


def pending_export(*, user: User) -> DataExport | None:
    return DataExport.objects.filter(user=user, status=DataExport.Status.PENDING).first()


def downloadable(export: DataExport, *, now: datetime) -> bool:
    """Ready, with its file, and not yet expired."""
    return (
        export.status == DataExport.Status.READY
        and bool(export.file)
        and not export.is_expired(now)
    )


def export_records(user: User, now: datetime) -> dict[str, Any]:
    return {
        "exports": [
            {
                "id": e.pk,
                "requested_at": e.created_at,
                "requested_by_staff": e.requested_by_id not in (None, user.pk),
                "status": e.status,
                "finished_at": e.finished_at,
                "expires_at": e.expires_at,
            }
            for e in DataExport.objects.filter(user=user).order_by("created_at", "pk")
        ],
        # Staff asking on others' behalf (subject access requests): when, not whose data.
        "exports_requested_for_others": [
            {"id": e.pk, "requested_at": e.created_at}
            for e in DataExport.objects.filter(requested_by=user)
            .exclude(user=user)
            .order_by("created_at", "pk")
        ],
    }


PRIVACY = Provider(
    name="data_requests",
    title="Your data requests",
    covers={"mentoring.DataExport": ("user", "requested_by")},
    export=export_records,
    parts={
        "exports": "Copies of your data you (or staff for you) asked for",
        "exports_requested_for_others": "Copies you asked for on members' behalf (as staff)",
    },
)
