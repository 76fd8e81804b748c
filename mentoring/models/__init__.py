"""People, cohorts and the conversation inside them.

Writes go through ``mentoring.services``; reads shared by pages and the API live in
``mentoring.selectors``. Rows here only guard invariants that belong to a single row.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

MAX_GRACE_SECONDS = 86400
DEFAULT_GRACE_SECONDS = 1800  # Moodle's default editing window is 30 minutes.
MAX_POST_LENGTH = 20_000


class User(AbstractUser):
    """A person: tutor, NQT, masters student or staff. Roles live on memberships."""

    class EmailPreference(models.TextChoices):
        IMMEDIATE = "immediate", "As it happens"
        DAILY = "daily", "Daily digest"
        OFF = "off", "Off"

    display_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField("email address", blank=True)
    email_preference = models.CharField(
        max_length=10, choices=EmailPreference.choices, default=EmailPreference.IMMEDIATE
    )

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class ApiToken(models.Model):
    """A bearer token. Only a hash is stored: a leaked database does not leak tokens."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staffroom_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(32)


class Cohort(models.Model):
    """A group of NQTs or masters students working through a module with their tutors."""

    class Kind(models.TextChoices):
        INDUCTION = "induction", "Induction module"
        MASTERS = "masters", "Masters module"

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
    created_at = models.DateTimeField(default=timezone.now)

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
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_nudged_at = models.DateTimeField(null=True, blank=True)
    last_posted_at = models.DateTimeField(null=True, blank=True)

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


class Board(models.Model):
    """A discussion board inside one cohort.

    ``general``: every member and tutor. ``private`` (ask a tutor): each thread is visible to its
    author and the cohort's tutors only. ``scenario``: a scenario's board; when ``restricted``,
    only ``allowed_users`` (a group) and the tutors see it.
    """

    class Kind(models.TextChoices):
        GENERAL = "general", "General discussion"
        PRIVATE = "private", "Ask a tutor"
        SCENARIO = "scenario", "Scenario"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="boards")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    restricted = models.BooleanField(default=False)
    allowed_users = models.ManyToManyField(User, blank=True, related_name="restricted_boards")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "kind"],
                condition=Q(kind__in=["general", "private"]),
                name="one_general_and_one_private_board_per_cohort",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.cohort})"


class Thread(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="threads")
    # Denormalised from the board: participation and search filter by cohort on hot paths.
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["board", "-last_activity_at"]),
            models.Index(fields=["cohort", "-last_activity_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class PostQuerySet(models.QuerySet):
    def live(self):
        return self.filter(retracted_at__isnull=True)


class Post(models.Model):
    """A post. Retracting one blanks its text for good and leaves a tombstone."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts")
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    body = models.TextField(blank=True, help_text="Markdown as written by the author.")
    body_html = models.TextField(blank=True, help_text="Sanitised HTML rendered from the body.")
    hashtags = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    anonymous = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    editable_until = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(max_length=500, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["thread", "created_at"]),
            models.Index(fields=["cohort", "author", "created_at"]),
            GinIndex(fields=["search_vector"], name="post_search_gin"),
            GinIndex(fields=["hashtags"], name="post_hashtags_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(retracted_at__isnull=True) | (Q(body="") & Q(body_html="")),
                name="retracted_post_keeps_no_text",
            )
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.thread_id}"

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def within_grace(self, at=None) -> bool:
        return (at or timezone.now()) < self.editable_until


class PostRevision(models.Model):
    """An earlier text of an edited post. Deleted with the text when the post is retracted."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["replaced_at", "id"]


class PostFlag(models.Model):
    """A member's request that a tutor look at a post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    flagged_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "flagged_by"], name="one_flag_per_user_post")
        ]


class ThreadReadState(models.Model):
    """Where a user has read up to in a thread (unread counts, "new since your last visit")."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    first_read_at = models.DateTimeField(default=timezone.now)
    last_read_at = models.DateTimeField(default=timezone.now)
    previous_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="one_read_state_per_thread")
        ]


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


class ResourceView(models.Model):
    """A member opened a resource (a scenario page, a document) of a cohort."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    resource_kind = models.CharField(max_length=30)
    resource_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["cohort", "user", "created_at"])]


class Notification(models.Model):
    """Something a user should know about: a nudge, a reply. Shown in-app, maybe emailed."""

    class Kind(models.TextChoices):
        NUDGE = "nudge", "Nudge from a tutor"
        REPLY = "reply", "Reply"
        MODERATION = "moderation", "Moderation"
        FEEDBACK = "feedback", "Feedback"
        SYSTEM = "system", "Notice"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.CASCADE)
    # Set for notifications about a post, so that retracting it withdraws them.
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_due_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(
                fields=["email_due_at"],
                condition=Q(emailed_at__isnull=True, email_due_at__isnull=False),
                name="notification_email_due",
            ),
        ]


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
