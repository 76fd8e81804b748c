"""The erasure requests' part of a member's data export: a request to delete the account that
is waiting out its cooling-off (or was cancelled by signing in) is the member's own record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mentoring.core.privacy import Provider
from mentoring.models import ErasureRequest, User


def export_erasure_requests(user: User, now: datetime) -> dict[str, Any]:
    return {
        "deletion_requests": [
            {
                "requested_at": r.created_at,
                "by": r.get_origin_display(),
                "state": r.get_state_display(),
                "due_at": r.due_at,
            }
            for r in ErasureRequest.objects.filter(user=user).order_by("created_at", "pk")
        ]
    }


PRIVACY = Provider(
    name="deletion_requests",
    title="Requests to delete your account",
    covers={"mentoring.ErasureRequest": ("user",)},
    export=export_erasure_requests,
    parts={"deletion_requests": "Requests to delete your account"},
)
