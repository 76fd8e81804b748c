"""Boards, threads, posts, their revisions and flags, and where each reader has got to."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mentoring.models.accounts import User
from mentoring.models.cohorts import Cohort

MAX_POST_LENGTH = 20_000
MAX_PROMPTS = 52  # a year of weekly prompts scheduled in one go


class Board(models.Model):
    """A discussion board inside one cohort.

    ``general``: every member and tutor. ``private`` (ask a tutor): each thread is visible to its
    author and the cohort's tutors only. ``scenario``: a scenario's board; when ``restricted``,
    only ``allowed_users`` (a group) and the tutors see it. ``opens_at``/``closes_at`` (set by
    whoever owns the board, e.g. a scenario release): members do not see it before it opens,
    and nobody writes on it once it closes (``mentoring.rules.visibility``).
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
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
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

    def get_absolute_url(self) -> str:
        return reverse("board", kwargs={"board_id": self.pk})


class Thread(models.Model):
    """A conversation on a board, opened by its first post.

    Who started it (``author``), whether they did so anonymously to peers (``anonymous``) and
    which post opened it (``first_post``) are stored facts: they never change when posts are
    retracted, so no page works them out from "whichever post is now first". A tutor's thread
    may be ``scheduled``: only tutors see it until the background worker publishes it at
    ``publish_at``.
    """

    class State(models.TextChoices):
        PUBLISHED = "published", "Published"
        SCHEDULED = "scheduled", "Scheduled"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="threads")
    # Denormalised from the board: participation and search filter by cohort on hot paths.
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="threads")
    anonymous = models.BooleanField(default=False, help_text="Started anonymously to peers.")
    # Null once the opening post is retracted without replies (its row is deleted).
    first_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED)
    publish_at = models.DateTimeField(null=True, blank=True)
    # The tutor inbox: a tutor dismissed what waited here (a later member post brings it back);
    # the tutors were told that the thread has waited unanswered.
    inbox_dismissed_at = models.DateTimeField(null=True, blank=True)
    unanswered_notified_at = models.DateTimeField(null=True, blank=True)
    # Tutors pin a thread to the top of its board and lock it against new replies (everyone's:
    # a tutor unlocks first).
    pinned_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["board", "-last_activity_at"]),
            models.Index(fields=["cohort", "-last_activity_at"]),
            models.Index(
                fields=["publish_at"], condition=Q(state="scheduled"), name="thread_scheduled"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="published") | Q(publish_at__isnull=False),
                name="scheduled_thread_has_publish_at",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("thread", kwargs={"thread_id": self.pk})

    @property
    def is_scheduled(self) -> bool:
        return self.state == self.State.SCHEDULED

    @property
    def is_pinned(self) -> bool:
        return self.pinned_at is not None

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


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

    def get_absolute_url(self) -> str:
        """The post on the page of its thread that holds it, however long the thread grows
        (the page is found when the link is followed), at its anchor."""
        thread_url = reverse("thread", kwargs={"thread_id": self.thread_id})
        return f"{thread_url}?post={self.pk}#post-{self.pk}"

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


class Reaction(models.Model):
    """A one-click response to someone else's post: the first step beyond reading.

    A small fixed set, retractable at any time (the row goes). ``cohort`` is denormalised from
    the post so the participation counters can be rebuilt per cohort. ``anonymous``: the reactor
    is not named to peers (asked for, or because they wrote anonymously in the thread;
    ``mentoring.rules.visibility.reactor_visible``). Deleted with the post's text on retraction.
    """

    class Kind(models.TextChoices):
        HELPFUL = "helpful", "Helpful"
        ME_TOO = "me_too", "Me too"
        THANK_YOU = "thank_you", "Thank you"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    anonymous = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "user", "kind"], name="one_reaction_per_kind_user_post"
            )
        ]
        indexes = [models.Index(fields=["cohort", "user"])]


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
