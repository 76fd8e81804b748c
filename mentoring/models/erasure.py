"""Account erasure: a member's (or staff's) request to erase an account, and its progress.

The erasure runs in the background in steps (``mentoring.privacy.services.erasure``); the row
records which step is next, so a worker that dies half-way is followed by one that finishes
(every step can be run again). The row names the account by id only, and the account's id
goes too (``user`` is set to null) when the account row is deleted in the last step.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentoring.models.accounts import User

COOLING_OFF = timedelta(days=14)


class ErasureRequest(models.Model):
    """One request to erase an account. At most one is open (waiting or running) per account."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for the cooling-off period to end"
        RUNNING = "running", "Erasing"
        CANCELLED = "cancelled", "Cancelled (the member signed in)"
        DONE = "done", "Erased"

    class Step(models.TextChoices):
        """The steps in the order they run; ``DONE`` once the account row is gone."""

        REVOKE = "revoke", "Sign-in, tokens and sockets ended"
        POSTS = "posts", "Posts removed or handed to a former member"
        ACTIVITY = "activity", "Memberships, activity, notifications, invitations, queued work"
        TRACES = "traces", "Live log, sessions, admin log and names quoted elsewhere"
        ACCOUNT = "account", "Addresses, two-factor and the account row"
        DONE = "done", "Done"

    class Origin(models.TextChoices):
        MEMBER = "member", "The member, from their account page"
        STAFF = "staff", "Staff (erase_user or the admin)"

    # Null once the account row is deleted (the last step): no id of the person is kept.
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="erasure_requests"
    )
    origin = models.CharField(max_length=10, choices=Origin.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.REVOKE)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text="When the erasure starts (after the cooling-off).")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The cohorts the account belonged to when the erasure started (their post policy applies).
    cohort_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # What was erased, counted (no names): what ``erase_user`` prints.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(state__in=["waiting", "running"]),
                name="one_open_erasure_per_user",
            )
        ]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"Erasure request {self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.WAITING, self.State.RUNNING)
