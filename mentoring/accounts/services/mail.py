"""allauth's e-mails, sent by the background worker (django-tasks).

The account adapter renders each e-mail in the request and stores it as an ``OutgoingMail``
row; the queue holds only that row's id (never an address, a text or a link). So a password
reset request does the same work — one lookup, one row, one queued id — whether or not the
address belongs to an account, and no SMTP conversation runs inside it: its time says nothing
about the address.

Like ``mentoring.notifications.services.tasks``, the task claims its row in a short transaction and
talks to the mail server only after that committed; a failed send hands the claim back.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mentoring.models import OutgoingMail, User


def queue_mail(
    message: EmailMultiAlternatives,
    *,
    link: OutgoingMail.Link = OutgoingMail.Link.NONE,
    user: User | None = None,
) -> OutgoingMail:
    """Store a rendered e-mail (one recipient) and queue its id for the worker.

    The backend is ``ACCOUNT_MAIL_TASK_BACKEND`` ("default", the database queue; the test
    settings name an immediate one so tests read ``mail.outbox`` right after allauth acts).
    """
    [to] = message.to
    html = next((content for content, kind in message.alternatives if kind == "text/html"), "")
    row = OutgoingMail.objects.create(
        to=to,
        subject=message.subject,
        body=message.body,
        html_body=html,
        link=link,
        user=user,
    )
    send_account_mail.using(backend=settings.ACCOUNT_MAIL_TASK_BACKEND).enqueue(row.pk)
    return row


def _rebuilt_link(row: OutgoingMail) -> str | None:
    """The link the e-mail carries, made now; None if it can no longer be made."""
    if row.link == OutgoingMail.Link.PASSWORD_RESET:
        from allauth.account import app_settings
        from allauth.account.adapter import get_adapter
        from allauth.account.utils import user_pk_to_url_str

        user = row.user
        if user is None or not user.is_active:
            return None
        token = app_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
        return get_adapter().get_reset_password_from_key_url(f"{user_pk_to_url_str(user)}-{token}")
    return ""


def _claim(mail_id: int, now: datetime) -> OutgoingMail | None:
    with transaction.atomic():
        row = (
            OutgoingMail.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=mail_id, claimed_at__isnull=True)
            .first()
        )
        if row is None:  # already sent, being sent, or its user was deleted
            return None
        row.claimed_at = now
        row.save(update_fields=["claimed_at"])
        return row


@task()
def send_account_mail(mail_id: int) -> bool:
    """Send one stored account e-mail and delete it; True if sent."""
    row = _claim(mail_id, timezone.now())
    if row is None:
        return False
    link = _rebuilt_link(row)
    if link is None:  # a reset for an account deactivated meanwhile: nothing to send
        row.delete()
        return False
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body.replace(OutgoingMail.LINK_PLACEHOLDER, link),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
    )
    if row.html_body:
        message.attach_alternative(
            row.html_body.replace(OutgoingMail.LINK_PLACEHOLDER, link), "text/html"
        )
    try:
        message.send()
    except Exception:
        OutgoingMail.objects.filter(pk=row.pk).update(claimed_at=None)
        raise
    row.delete()
    return True
