"""Activity the participation dashboard counts (reads, resource views) and tutors' nudges."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from mentoring.models.accounts import User
from mentoring.models.boards import Thread
from mentoring.models.cohorts import Cohort, Membership

_STATUS_PLURALS = {
    "contributor": "contributors",
    "reader": "readers",
    "resource_only": "resource-only members",
    "inactive": "inactive members",
}


class ParticipationStatus(models.TextChoices):
    """A member's participation status (docs/api.md), in the order the dashboard shows them.

    The one source of the labels: pages, charts and (through ``json_script``) dashboard.js.
    Derived in SQL from the membership's counters, so no column stores it.
    """

    CONTRIBUTOR = "contributor", "Contributor"
    READER = "reader", "Reader"
    RESOURCE_ONLY = "resource_only", "Resources only"
    INACTIVE = "inactive", "Inactive"

    @property
    def plural(self) -> str:
        return _STATUS_PLURALS[self.value]


class ReadEvent(models.Model):
    """A timestamped read of a thread, for the dashboard's trend (throttled by the service)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["cohort", "created_at"]),
            models.Index(fields=["user", "thread", "-created_at"]),
        ]


class MemberWeek(models.Model):
    """A member's reads of threads in one calendar week (Monday), kept by the read service.

    The early-warning alerts compare weeks; this bucket means they read six small rows per
    member instead of re-counting the read events on every dashboard request.
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="weeks")
    week = models.DateField(help_text="The Monday the week starts on (local time).")
    reads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "week"], name="one_bucket_per_week")
        ]


class ResourceView(models.Model):
    """A member opened a resource (a scenario page, a document) of a cohort."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    resource_kind = models.CharField(max_length=30)
    resource_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["cohort", "user", "created_at"])]


class Nudge(models.Model):
    """A tutor's invitation to a member who reads but does not post."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="nudges")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="nudges_received")
    tutor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="nudges_sent")
    message = models.TextField()
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    # First non-retracted post by the member in the cohort after this nudge.
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cohort", "member", "-created_at"])]
