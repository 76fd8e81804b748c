"""Bringing people into a cohort: invitations by e-mail (one, a list, or a roster) and join links.

Links carry no stored secret: each token is an HMAC of the row's id and a random nonce under
SECRET_KEY, so a copy of the database alone cannot open an invitation; a new nonce (resend,
rotate) makes every older link stop working. The nonces a row had before are kept (a few), so
an old link can be told apart from a made-up one and answered "replaced by a newer link".
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

DEFAULT_INVITATION_DAYS = 14
KEPT_OLD_NONCES = 10


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def _signature(kind: str, pk: int, nonce: str) -> str:
    return salted_hmac(f"staffroom.{kind}", f"{pk}:{nonce}", algorithm="sha256").hexdigest()[:32]


class TokenMixin:
    """``token`` for links, ``token_matches`` to check one; ``TOKEN_KIND`` salts the HMAC."""

    TOKEN_KIND = ""

    @property
    def token(self) -> str:
        return f"{self.pk}.{_signature(self.TOKEN_KIND, self.pk, self.nonce)}"

    @staticmethod
    def split_token(token: str) -> tuple[int, str] | None:
        pk, _, signature = (token or "").partition(".")
        if not pk.isdigit() or not signature or len(pk) > 18:
            return None
        return int(pk), signature

    def token_matches(self, signature: str) -> bool:
        return constant_time_compare(signature, _signature(self.TOKEN_KIND, self.pk, self.nonce))

    def token_was_replaced(self, signature: str) -> bool:
        """True if ``signature`` was this row's link before a newer nonce replaced it."""
        return any(
            constant_time_compare(signature, _signature(self.TOKEN_KIND, self.pk, old))
            for old in getattr(self, "old_nonces", None) or ()
        )

    def renew_nonce(self) -> None:
        """A new link; the current one is remembered as replaced (the newest few are kept)."""
        if hasattr(self, "old_nonces"):
            self.old_nonces = [self.nonce, *(self.old_nonces or [])][:KEPT_OLD_NONCES]
        self.nonce = new_nonce()


class InvitationBatch(models.Model):
    """One tutor action that invites many (a roster, a pasted list): its e-mails go out in the
    background, and its progress page counts how many have been sent."""

    cohort = models.ForeignKey(
        "mentoring.Cohort", on_delete=models.CASCADE, related_name="invitation_batches"
    )
    created_by = models.ForeignKey(
        "mentoring.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, default="list")  # "roster", "list"
    total = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.total} invitations to {self.cohort_id} ({self.created_at:%Y-%m-%d})"


class Invitation(TokenMixin, models.Model):
    """An e-mail address invited into a cohort, or an existing account told it was enrolled."""

    TOKEN_KIND = "invitation"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    class Role(models.TextChoices):
        TUTOR = "tutor", "Tutor"
        MEMBER = "member", "Member"

    cohort = models.ForeignKey(
        "mentoring.Cohort", on_delete=models.CASCADE, related_name="invitations"
    )
    batch = models.ForeignKey(
        InvitationBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )
    email = models.EmailField(max_length=254, help_text="Stored lower-cased.")
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    display_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    nonce = models.CharField(max_length=32, default=new_nonce)
    old_nonces = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    invited_by = models.ForeignKey(
        "mentoring.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Existing accounts are enrolled at once: the row records it and its e-mail tells them.
    enrolled_existing = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "mentoring.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address and cohort: re-importing a roster finds it.
            models.UniqueConstraint(
                Lower("email"),
                "cohort",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_address",
            )
        ]
        indexes = [models.Index(fields=["cohort", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.cohort_id} ({self.status})"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING

    @staticmethod
    def expiry_from(now, days: int):
        return now + timedelta(days=days)

    @property
    def invitee_name(self) -> str:
        """The name the roster or the tutor gave, if any."""
        return self.display_name or f"{self.first_name} {self.last_name}".strip()


class JoinLink(TokenMixin, models.Model):
    """A cohort's self-enrolment link: on or off, optionally limited to e-mail domains, and
    optionally needing a tutor's approval before the joiner is a member."""

    TOKEN_KIND = "join"

    cohort = models.OneToOneField(
        "mentoring.Cohort", on_delete=models.CASCADE, related_name="join_link"
    )
    enabled = models.BooleanField(default=False)
    nonce = models.CharField(max_length=32, default=new_nonce)
    old_nonces = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    allowed_domains = ArrayField(
        models.CharField(max_length=253),
        default=list,
        blank=True,
        help_text="Lower-case domains such as uni.example.ac.uk; empty allows any address.",
    )
    requires_approval = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Join link for {self.cohort_id} ({'on' if self.enabled else 'off'})"

    def allows_email(self, email: str) -> bool:
        if not self.allowed_domains:
            return True
        domain = email.rpartition("@")[2].lower()
        return domain in self.allowed_domains


class JoinConfirmation(TokenMixin, models.Model):
    """An address that asked to join through a link, waiting for its owner to open the e-mailed
    confirmation. The e-mail's link is an HMAC of this row (never stored, never queued), so the
    background task is given only this row's id; it works once and for two days, and only while
    the join link is the one it was asked through (``link_nonce``)."""

    TOKEN_KIND = "join-confirmation"
    LIFETIME = timedelta(days=2)

    link = models.ForeignKey(JoinLink, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(max_length=254, help_text="Stored lower-cased.")
    link_nonce = models.CharField(max_length=32)
    nonce = models.CharField(max_length=32, default=new_nonce)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"Join confirmation {self.pk} for link {self.link_id}"

    @property
    def expires_at(self):
        return self.created_at + self.LIFETIME


class JoinRequest(models.Model):
    """Someone who joined through a link that needs approval, waiting for a tutor."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    cohort = models.ForeignKey(
        "mentoring.Cohort", on_delete=models.CASCADE, related_name="join_requests"
    )
    user = models.ForeignKey("mentoring.User", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "mentoring.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"],
                condition=Q(status="pending"),
                name="one_pending_join_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.cohort_id} ({self.status})"
