"""Cohorts and memberships (with the participation counters the dashboard reads)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentoring.models.accounts import User

MAX_GRACE_SECONDS = 86400
DEFAULT_GRACE_SECONDS = 1800  # Moodle's default editing window is 30 minutes.
# What a nudge's text may name, filled in per member when it is sent
# (``mentoring.participation.services.nudges.render_message``). Here, beside the cohort's
# ``nudge_template``, because the cohort's settings form and the nudge form both explain them.
NUDGE_PLACEHOLDERS = ("name", "cohort", "thread", "thread_url", "reactions")


def nudge_placeholder_help() -> str:
    """The one sentence that lists the placeholders, for every form that edits a nudge."""
    names = ["{" + p + "}" for p in NUDGE_PLACEHOLDERS]
    return f"You can use {', '.join(names[:-1])} and {names[-1]}: they are filled in per member."


class Cohort(models.Model):
    """A group of NQTs or masters students working through a module with their tutors."""

    class Kind(models.TextChoices):
        INDUCTION = "induction", "Induction module"
        MASTERS = "masters", "Masters module"

    class PostPolicy(models.TextChoices):
        REMOVE = "remove", "Remove their text"
        KEEP = "keep", "Keep their posts as “a former member”"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INDUCTION)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    edit_grace_seconds = models.PositiveIntegerField(
        default=DEFAULT_GRACE_SECONDS,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_GRACE_SECONDS)],
        help_text="How long authors may edit or retract a post after writing it.",
    )
    reader_threshold = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Threads a member must have read to count as a reader.",
    )
    allow_anonymous_to_peers = models.BooleanField(
        default=False,
        help_text="Members may post so that peers do not see their name (tutors always do).",
    )
    nudge_template = models.TextField(
        blank=True,
        default=(
            "Hello {name}, thank you for following the discussions in {cohort}. "
            "Your experience would help others: would you add a post to a thread "
            "that caught your eye?"
        ),
    )
    # Early warning and the tutor inbox (issue 10): thresholds a cohort's tutors choose.
    quiet_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A member who was active and then did nothing for this many days went quiet.",
    )
    never_started_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A member enrolled this many days ago with no activity at all never started.",
    )
    unanswered_hours = models.PositiveSmallIntegerField(
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="A member's thread with no reply for this many hours goes to the tutors.",
    )
    weekly_digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    invitation_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="How many days an invitation link stays valid.",
    )
    # Account erasure (``mentoring.privacy.services.erasure``): what becomes of an erased
    # member's posts in this cohort.
    post_policy = models.CharField(
        max_length=10,
        choices=PostPolicy.choices,
        default=PostPolicy.REMOVE,
        help_text="When a member's account is erased: remove the text of their posts "
        "(tombstones stay where replies hang), or keep the posts under “a former member”.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Cohort year end (``cohorts.services.archive_cohort``): read-only for everyone from then
    # on (``rules.permissions.cohort_is_writable``); its personal data is deleted
    # ``RETENTION_ARCHIVED_COHORT_DAYS`` later by ``apply_retention``, which reminds the tutors
    # first and records when here.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    deletion_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        permissions = [
            ("moderate_cohort", "Can moderate the cohort's boards"),
            ("view_participation", "Can view the cohort's participation dashboard"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(edit_grace_seconds__lte=MAX_GRACE_SECONDS),
                name="cohort_grace_at_most_a_day",
            ),
            models.CheckConstraint(
                condition=Q(reader_threshold__gte=1), name="cohort_reader_threshold_positive"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grace_period(self) -> timedelta:
        return timedelta(seconds=self.edit_grace_seconds)


class Membership(models.Model):
    """A user's place in a cohort, plus the participation counters the dashboard reads.

    The counters are kept up to date by the services in the same transaction as the activity
    that changes them, so the dashboard never re-aggregates millions of read events; the
    ``rebuild_participation`` command recomputes them from the events.
    """

    class Role(models.TextChoices):
        TUTOR = "tutor", "Tutor"
        MEMBER = "member", "Member"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    # Participation counters (members only; tutors are not members of the dashboard).
    threads_read = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0, help_text="Posts that are not retracted.")
    resource_views = models.PositiveIntegerField(default=0)
    # Reactions the member has on posts (a step beyond reading; not a status of its own).
    reactions = models.PositiveIntegerField(default=0, db_default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_nudged_at = models.DateTimeField(null=True, blank=True)
    last_posted_at = models.DateTimeField(null=True, blank=True)
    # The alerts the tutors' last weekly digest told them about, so the next one says what is
    # new. Null until the first digest (bulk loads by COPY need not know the column).
    alerts_digested = ArrayField(models.CharField(max_length=20), null=True, blank=True)
    # The two sums of weekly reads that ``reading_declined`` compares, as they stand in the week
    # starting ``alert_week``. They cover finished weeks only, so they hold all week: the
    # dashboard reads them like the counters, and sums rows of another week from the buckets
    # (``mentoring.participation.selectors.alerts``; refreshed by ``participation.services``).
    alert_week = models.DateField(null=True, blank=True)
    alert_recent_reads = models.PositiveIntegerField(default=0, db_default=0)
    alert_baseline_reads = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_cohort")
        ]
        indexes = [models.Index(fields=["cohort", "role"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort} ({self.role})"

    @property
    def is_tutor(self) -> bool:
        return self.role == self.Role.TUTOR
