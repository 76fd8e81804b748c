"""Account e-mails waiting for the background worker (``mentoring.accounts.services.mail``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from mentoring.models.accounts import User


class OutgoingMail(models.Model):
    """One rendered account e-mail (allauth's: password reset, "no account here", notices),
    queued so the request that asked for it does the same work whether or not the address has
    an account. The queue holds only this row's id; the row is deleted once sent.

    A link that opens something (a password reset) is never stored: the body holds
    ``LINK_PLACEHOLDER`` and the task rebuilds the link for ``user`` when it sends, so a copy of
    the database alone opens nothing. Deleting the user deletes the mail.
    """

    LINK_PLACEHOLDER = "[[staffroom:link]]"

    class Link(models.TextChoices):
        NONE = "", "No link"
        PASSWORD_RESET = "password_reset", "Password reset link"

    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    link = models.CharField(max_length=20, choices=Link.choices, blank=True, default="")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set while the worker talks to the mail server (no row lock is held meanwhile).
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outgoing account e-mail"

    def __str__(self) -> str:
        return f"Account e-mail #{self.pk}"
