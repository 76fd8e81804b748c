"""How closely a user follows a thread or a board (Discourse's levels), and their unsent drafts.

A ``Subscription`` row exists only where a level was chosen, or set by default when the user
started or replied to a thread (they watch it). Without a row a thread follows its board's
level, and a board is ``tracking``. What each level means for notifications and unread counts
is in ``mentoring.boards.services.subscriptions`` (and docs/features.md).

A ``Draft`` is the text of a reply (per user and thread) or of a new thread (per user and
board, ``thread`` empty) being written: saved as it is typed and on a failed submit, offered
back in the form, deleted when posted and by the retention job once old.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentoring.models.accounts import User
from mentoring.models.boards import Board, Thread
from mentoring.models.cohorts import Cohort


class Subscription(models.Model):
    """One user's chosen level for one thread or one board (exactly one of the two)."""

    class Level(models.TextChoices):
        WATCHING = "watching", "Watching"
        TRACKING = "tracking", "Tracking"
        NORMAL = "normal", "Normal"
        MUTED = "muted", "Muted"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # Denormalised from the board or thread: leaving a cohort deletes its rows in one statement.
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    board = models.ForeignKey(
        Board, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    # False for the default set on starting or replying: only a choice the user made counts as
    # theirs when they reply again (a muted thread stays muted).
    chosen = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(board__isnull=True, thread__isnull=False)
                | Q(board__isnull=False, thread__isnull=True),
                name="subscription_to_a_board_or_a_thread",
            ),
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=Q(thread__isnull=False),
                name="one_subscription_per_user_thread",
            ),
            models.UniqueConstraint(
                fields=["user", "board"],
                condition=Q(board__isnull=False),
                name="one_subscription_per_user_board",
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "level"], name="subscription_thread_level"),
            models.Index(fields=["board", "level"], name="subscription_board_level"),
            models.Index(fields=["user", "cohort"], name="subscription_user_cohort"),
        ]


class Draft(models.Model):
    """A reply (``thread`` set) or a new thread (``thread`` empty: ``title`` too) not yet posted."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reply_to_id = models.BigIntegerField(null=True, blank=True)  # a post of the thread, checked
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=Q(thread__isnull=False),
                name="one_draft_per_user_thread",
            ),
            models.UniqueConstraint(
                fields=["user", "board"],
                condition=Q(thread__isnull=True),
                name="one_new_thread_draft_per_user_board",
            ),
        ]
        indexes = [models.Index(fields=["updated_at"], name="draft_updated_at")]
