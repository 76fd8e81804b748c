"""Invitation and join e-mails, sent by the background worker (django-tasks), never in a request.

Task arguments are row ids only, never a link or an address: the queue's table is as readable
as any other, so each link (an HMAC of the row under SECRET_KEY) is rebuilt here when the e-mail
is written, and a copy of the database opens nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from mentoring.models import Invitation, JoinConfirmation

logger = logging.getLogger(__name__)
CHUNK = 50


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def lifetime_phrase(expires_at: datetime, now: datetime) -> str:
    """'for 14 days, until 3 June 2025': the days rounded to the nearest whole day (a link
    made a moment ago for 14 days says 14, not 13), and the date in the site's time zone."""
    days = max(1, round((expires_at - now).total_seconds() / 86400))
    until = timezone.localtime(expires_at)
    return f"for {days} day{'s' if days != 1 else ''}, until {until.day} {until:%B %Y}"


def invitation_message(invitation: Invitation, *, now: datetime | None = None) -> EmailMessage:
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
        lifetime = lifetime_phrase(invitation.expires_at, now or timezone.now())
        subject = f"[Staffroom] {inviter} invites you to {cohort.name}"
        body = (
            f"{inviter} invites you to join {cohort.name} on Staffroom, where newly qualified "
            f"teachers and their tutors talk through real classroom situations.\n\n"
            f"Open this link to choose your name and password (it works once, {lifetime}):"
            f"\n\n{_absolute(reverse('invitation_accept', args=[invitation.token]))}\n\n"
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
def send_join_confirmation(confirmation_id: int) -> bool:
    """The link that proves a joiner owns their address, rebuilt from the row. True if sent."""
    confirmation = (
        JoinConfirmation.objects.select_related("link__cohort")
        .filter(pk=confirmation_id, sent_at__isnull=True, used_at__isnull=True)
        .first()
    )
    if confirmation is None:
        return False
    cohort, email = confirmation.link.cohort, confirmation.email
    EmailMessage(
        f"[Staffroom] Confirm your address to join {cohort.name}",
        f"Someone (we hope you) asked to join {cohort.name} on Staffroom with this address.\n\n"
        f"Open this link within two days to choose your name and password:\n\n"
        f"{_absolute(reverse('join_confirm', args=[confirmation.token]))}\n\n"
        f"If it was not you, ignore this e-mail.\n",
        settings.DEFAULT_FROM_EMAIL,
        [email],
    ).send()
    JoinConfirmation.objects.filter(pk=confirmation.pk).update(sent_at=timezone.now())
    return True
