"""Background mail (django-tasks). Task arguments are ids only: a queue never holds post text.

Each task claims its notifications in a short transaction (marks them emailed while it holds
their row locks) and talks to the mail server only after that transaction committed: no SMTP
conversation ever runs while rows are locked. A send that fails hands the claim back, so the
task's retry (or tomorrow's digest) sends it. Bodies come from ``templates/mentoring/email/``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from mentoring.models import Membership, Notification, User

logger = logging.getLogger(__name__)


def schedule_notification_email(notification_id: int, due_at: datetime) -> None:
    """Queue the email for a notification, to run no earlier than ``due_at``."""
    if due_at <= timezone.now():
        send_notification_email.enqueue(notification_id)
    else:
        send_notification_email.using(run_after=due_at).enqueue(notification_id)


def _absolute(url: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{url}" if url else ""


def _give_back(ids: list[int], claimed_at: datetime) -> None:
    """Un-claim what could not be sent (only rows still carrying this claim)."""
    Notification.objects.filter(pk__in=ids, emailed_at=claimed_at).update(emailed_at=None)


def _to_members() -> Q:
    """Only notifications whose user is still in the cohort they are about (one removed after
    the email was queued gets nothing; ``forget_cohort_for`` deletes them too)."""
    return Q(cohort__isnull=True) | Exists(
        Membership.objects.filter(cohort_id=OuterRef("cohort_id"), user_id=OuterRef("user_id"))
    )


def _claim_notification(notification_id: int, now: datetime) -> Notification | None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(_to_members(), pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        # Withdrawn (its post was retracted, its user left the cohort), already sent or not
        # yet due: nothing to do.
        if notification is None or not notification.user.email:
            return None
        if notification.email_due_at and notification.email_due_at > now:
            return None
        notification.emailed_at = now
        notification.save(update_fields=["emailed_at"])
        return notification


@task()
def send_notification_email(notification_id: int) -> bool:
    """Email one notification if it still exists, is due, and was not sent; True if sent."""
    now = timezone.now()
    notification = _claim_notification(notification_id, now)
    if notification is None:
        return False
    body = render_to_string(
        "mentoring/email/notification.txt",
        {"notification": notification, "link": _absolute(notification.url)},
    )
    try:
        send_mail(
            subject=f"[Staffroom] {notification.title}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
    except Exception:
        _give_back([notification.pk], now)
        raise
    return True


# --- Daily digest ---------------------------------------------------------------------------
def _digest_pending(user_id: int, now: datetime) -> QuerySet[Notification]:
    """A user's notifications not yet emailed whose posts can no longer be retracted."""
    return Notification.objects.filter(
        _to_members(), user_id=user_id, emailed_at__isnull=True
    ).filter(Q(post__isnull=True) | Q(post__editable_until__lte=now))


@task()
def send_daily_digest(user_id: int) -> int:
    """One email with everything a "daily digest" user has not been emailed about; returns how
    many notifications it covered. Posts still inside their grace period wait for tomorrow."""
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None or not user.email or user.email_preference != User.EmailPreference.DAILY:
            return 0
        pending = list(
            _digest_pending(user_id, now).select_for_update(of=("self",)).order_by("created_at")
        )
        if not pending:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
    count = len(pending)
    body = render_to_string(
        "mentoring/email/daily_digest.txt",
        {
            "items": [{"notification": n, "link": _absolute(n.url)} for n in pending],
            "settings_link": _absolute(reverse("email_preference")),
        },
    )
    try:
        send_mail(
            subject=f"[Staffroom] Your daily digest: {count} update{'s' if count != 1 else ''}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    except Exception:
        _give_back([n.pk for n in pending], now)
        raise
    return count


def queue_daily_digests() -> int:
    """Queue one digest task per "daily digest" user with something to tell; returns how many.

    Run once a day (``manage.py send_daily_digests`` from cron or a systemd timer).
    """
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
