"""Invitation and join e-mails, sent by the background worker (django-tasks), never in a request.

Task arguments are ids (and, for a join confirmation, the signed address it confirms).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.signing import TimestampSigner
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from mentoring.models import Cohort, Invitation

logger = logging.getLogger(__name__)
CHUNK = 50
JOIN_SIGNER_SALT = "staffroom.join-email"  # shared with services.request_join_email


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def invitation_message(invitation: Invitation) -> EmailMessage:
    cohort = invitation.cohort
    inviter = invitation.invited_by.shown_name if invitation.invited_by else "A tutor"
    if invitation.enrolled_existing:
        subject = f"[Staffroom] You have been added to {cohort.name}"
        body = (
            f"{inviter} has added you to {cohort.name} on Staffroom. It is on your home page "
            f"when you sign in with your existing account:\n\n"
            f"{_absolute(reverse('cohort_home', args=[cohort.pk]))}\n"
        )
    else:
        days = max(1, (invitation.expires_at - timezone.now()).days)
        subject = f"[Staffroom] {inviter} invites you to {cohort.name}"
        body = (
            f"{inviter} invites you to join {cohort.name} on Staffroom, where newly qualified "
            f"teachers and their tutors talk through real classroom situations.\n\n"
            f"Open this link to choose your name and password (it works once, for {days} "
            f"days):\n\n{_absolute(reverse('invitation_accept', args=[invitation.token]))}\n\n"
            f"If you did not expect this, you can ignore this e-mail.\n"
        )
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


def _sendable(invitation: Invitation) -> bool:
    return invitation.enrolled_existing or invitation.is_open


@task()
def send_invitation_batch(batch_id: int) -> int:
    """Send a batch's e-mails in chunks, recording each chunk as sent so its progress page
    moves; a retry after a crash sends only what is left. Returns how many were sent."""
    ids = list(
        Invitation.objects.filter(batch_id=batch_id, sent_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    connection = get_connection()
    for start in range(0, len(ids), CHUNK):
        chunk = list(
            Invitation.objects.filter(pk__in=ids[start : start + CHUNK], sent_at__isnull=True)
            .select_related("cohort", "invited_by")
            .order_by("pk")
        )
        chunk = [invitation for invitation in chunk if _sendable(invitation)]
        if not chunk:
            continue
        connection.send_messages([invitation_message(i) for i in chunk])
        Invitation.objects.filter(pk__in=[i.pk for i in chunk]).update(sent_at=timezone.now())
        sent += len(chunk)
    return sent


@task()
def send_invitation(invitation_id: int) -> bool:
    """One invitation (a resend). True if sent."""
    invitation = (
        Invitation.objects.select_related("cohort", "invited_by")
        .filter(pk=invitation_id, sent_at__isnull=True)
        .first()
    )
    if invitation is None or not _sendable(invitation):
        return False
    invitation_message(invitation).send()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return True


@task()
def send_join_confirmation(cohort_id: int, signed: str) -> bool:
    """The link that proves a joiner owns their address; ``signed`` holds the address."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        return False
    email = TimestampSigner(salt=JOIN_SIGNER_SALT).unsign_object(signed)["email"]
    EmailMessage(
        f"[Staffroom] Confirm your address to join {cohort.name}",
        f"Someone (we hope you) asked to join {cohort.name} on Staffroom with this address.\n\n"
        f"Open this link within two days to choose your name and password:\n\n"
        f"{_absolute(reverse('join_confirm', args=[signed]))}\n\n"
        f"If it was not you, ignore this e-mail.\n",
        settings.DEFAULT_FROM_EMAIL,
        [email],
    ).send()
    return True
