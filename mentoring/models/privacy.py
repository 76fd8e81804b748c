"""Members' copies of their own data (a subject access request), built in the background."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentoring.models.accounts import User

EXPORT_LIFETIME = timedelta(days=7)


def export_path(export: DataExport, filename: str) -> str:
    """``exports/<24 random hex digits>/<name>``: a path nobody can guess (and nothing under
    MEDIA_URL serves ``exports/``: only the checked download view hands the file out)."""
    return f"exports/{secrets.token_hex(12)}/{filename}"


class DataExport(models.Model):
    """One request for a member's data and, once the worker has built it, the ZIP file.

    ``pending`` until the worker has written the file (``started_at`` says it is at work),
    then ``ready`` until ``expires_at`` (the download is refused after, and the file removed),
    or ``failed``. A member has at most one pending export: asking again answers that one.
    ``requested_by`` is the staff member who asked on the member's behalf, if any.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=export_path, blank=True, max_length=300)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="one_pending_export_per_user"
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(expires_at__isnull=False),
                name="ready_export_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"Data export {self.pk} of {self.user_id} ({self.status})"

    def is_expired(self, now) -> bool:
        return self.expires_at is not None and self.expires_at <= now
