"""Background work (django-tasks). Task arguments are ids only: a queue never holds post text."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


def schedule_notification_email(notification_id: int, due_at: datetime) -> None:
    """Queue the email for a notification, to run no earlier than ``due_at``."""
    if due_at <= timezone.now():
        send_notification_email.enqueue(notification_id)
    else:
        send_notification_email.using(run_after=due_at).enqueue(notification_id)


@task()
def send_notification_email(notification_id: int) -> bool:
    """Email one notification if it still exists, is due, and was not sent; True if sent."""
    from mentoring.models import Notification

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        # Withdrawn (its post was retracted) or already sent: nothing to do.
        if notification is None or not notification.user.email:
            return False
        if notification.email_due_at and notification.email_due_at > timezone.now():
            return False
        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        link = f"\n\n{base}{notification.url}" if notification.url else ""
        send_mail(
            subject=f"[Staffroom] {notification.title}",
            message=f"{notification.body}{link}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True


# --- Daily digest ---------------------------------------------------------------------------
def _digest_pending(user_id: int):
    """A user's notifications not yet emailed whose posts can no longer be retracted."""
    from django.db.models import Q

    from mentoring.models import Notification

    now = timezone.now()
    return Notification.objects.filter(user_id=user_id, emailed_at__isnull=True).filter(
        Q(post__isnull=True) | Q(post__editable_until__lte=now)
    )


@task()
def send_daily_digest(user_id: int) -> int:
    """One email with everything a "daily digest" user has not been emailed about; returns how
    many notifications it covered. Posts still inside their grace period wait for tomorrow."""
    from mentoring.models import User

    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None or not user.email or user.email_preference != User.EmailPreference.DAILY:
            return 0
        pending = list(
            _digest_pending(user_id).select_for_update(of=("self",)).order_by("created_at")
        )
        if not pending:
            return 0
        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        parts = []
        for notification in pending:
            link = f"\n{base}{notification.url}" if notification.url else ""
            body = f"\n{notification.body}" if notification.body else ""
            parts.append(f"* {notification.title}{body}{link}")
        count = len(pending)
        send_mail(
            subject=f"[Staffroom] Your daily digest: {count} update{'s' if count != 1 else ''}",
            message="\n\n".join(parts)
            + "\n\nChange how often we email you in your notification settings.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
        now = timezone.now()
        from mentoring.models import Notification

        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
        return count


def queue_daily_digests() -> int:
    """Queue one digest task per "daily digest" user with something to tell; returns how many.

    Run once a day (``manage.py send_daily_digests`` from cron or a systemd timer).
    """
    from mentoring.models import Notification, User

    user_ids = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            user__email_preference=User.EmailPreference.DAILY,
        )
        .exclude(user__email="")
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    queued = 0
    for user_id in user_ids:
        send_daily_digest.enqueue(user_id)
        queued += 1
    return queued
