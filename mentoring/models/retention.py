"""What Staffroom keeps about who looked at a member, and what the daily retention job did.

The access log is for the members themselves: each entry says who (a tutor, a staff member)
opened or exported something about them, and when. It is written by
``mentoring.privacy.services.access_log.record_access`` and read on the member's
"my participation" page and, for staff, in /django-admin/.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from mentoring.models.accounts import User
from mentoring.models.cohorts import Cohort
from mentoring.models.live import KEEP_SECONDS as LIVE_EVENT_SECONDS


class AccessLogEntry(models.Model):
    """Someone other than the member opened, exported or erased something about them."""

    class Action(models.TextChoices):
        PARTICIPATION_VIEWED = "participation_viewed", "Viewed your participation"
        PARTICIPATION_EXPORTED = "participation_exported", "Exported the participation table"
        PRIVATE_QUESTION_READ = "private_question_read", "Read your question to the tutors"
        ACCOUNT_EXPORTED = "account_exported", "Exported your account's data"
        ACCOUNT_ERASED = "account_erased", "Erased your account"

    # Kept when the actor's account goes: the name they had is what the member reads.
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    subject = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_log")
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-created_at", "-id"]),
            models.Index(fields=["created_at"]),
        ]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"

    def __str__(self) -> str:
        return f"{self.actor_name}: {self.get_action_display()} ({self.subject_id})"


class RetentionRun(models.Model):
    """One run of ``manage.py apply_retention`` (not its dry runs): what it deleted.

    ``reads_folded_before`` is the Monday before which read events were deleted, their reads
    kept only in the weekly buckets: ``rebuild_participation`` rebuilds the buckets from that
    week on and leaves the older ones alone.
    """

    ran_at = models.DateTimeField(default=timezone.now)
    reads_folded_before = models.DateField(null=True, blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"Retention run {self.ran_at:%Y-%m-%d %H:%M}"


# The dashboard's trend reads 12 weeks of events; the alerts read 6 weeks of buckets.
MIN_READ_EVENT_MONTHS = 4
FILE_MAIL_BACKEND = "mentoring.core.mail.FilePerMessageBackend"


@dataclass(frozen=True)
class Policy:
    """The retention periods in force (from settings): what the job and the privacy notice use."""

    read_events_months: int
    read_notifications_days: int
    expired_invitations_days: int
    access_log_days: int
    local_mail_days: int
    live_event_hours: int
    session_days: int
    archived_cohort_days: int
    archived_cohort_reminder_days: int
    drafts_days: int
    local_mail_kept: bool  # the development mail backend (files in EMAIL_FILE_PATH) is in use


def policy() -> Policy:
    return Policy(
        read_events_months=max(settings.RETENTION_READ_EVENTS_MONTHS, MIN_READ_EVENT_MONTHS),
        read_notifications_days=settings.RETENTION_READ_NOTIFICATIONS_DAYS,
        expired_invitations_days=settings.RETENTION_EXPIRED_INVITATIONS_DAYS,
        access_log_days=settings.RETENTION_ACCESS_LOG_DAYS,
        local_mail_days=settings.RETENTION_LOCAL_MAIL_DAYS,
        live_event_hours=LIVE_EVENT_SECONDS // 3600,
        session_days=settings.SESSION_COOKIE_AGE // 86400,
        archived_cohort_days=settings.RETENTION_ARCHIVED_COHORT_DAYS,
        archived_cohort_reminder_days=settings.RETENTION_ARCHIVED_COHORT_REMINDER_DAYS,
        drafts_days=settings.RETENTION_DRAFTS_DAYS,
        local_mail_kept=settings.EMAIL_BACKEND == FILE_MAIL_BACKEND,
    )
