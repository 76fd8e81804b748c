"""What a user should know about, shown in-app and maybe emailed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentoring.models.accounts import User
from mentoring.models.boards import Post, Thread
from mentoring.models.cohorts import Cohort


class Notification(models.Model):
    """Something a user should know about: a nudge, a reply. Shown in-app, maybe emailed."""

    class Kind(models.TextChoices):
        NUDGE = "nudge", "Nudge from a tutor"
        REPLY = "reply", "Reply"
        MODERATION = "moderation", "Moderation"
        FEEDBACK = "feedback", "Feedback"
        SYSTEM = "system", "Notice"
        QUESTION = "question", "Question for the tutors"
        FLAG = "flag", "Flagged post"
        UNANSWERED = "unanswered", "Unanswered thread"
        PROMPT = "prompt", "New thread from a tutor"
        MENTION = "mention", "Mention"
        WATCHED = "watched", "New post in something you watch"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.CASCADE)
    # Set for notifications about a post, so that retracting it withdraws them.
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # The thread it concerns (a reply's, or the thread a nudge invites to): retracting that
    # thread's opening post purges its title from here too.
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
