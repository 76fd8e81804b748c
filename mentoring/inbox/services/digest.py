"""The weekly digest: each tutor of a cohort gets one email with the early-warning alerts that
are new since the last digest and what waits in the inbox.

Run weekly (``manage.py send_weekly_digests``; ``platform/deploy/staffroom-weekly-digest.timer``
does it on Monday mornings). A tutor whose email preference is "off", or who has no address,
gets none; "as it happens" and "daily digest" tutors both get this weekly summary.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django_tasks import task

from mentoring.inbox.selectors import cohort_inbox
from mentoring.models import Cohort, Membership, User
from mentoring.participation.selectors import alerts
from mentoring.participation.selectors.rows import member_rows
from mentoring.rules.permissions import tutor_memberships

# Queued twice in one week (a timer and a hand run), a cohort's tutors still get one digest.
MIN_INTERVAL = timedelta(days=6)


def _recipients(cohort: Cohort) -> list[User]:
    return list(
        User.objects.filter(memberships__cohort=cohort, memberships__role=Membership.Role.TUTOR)
        .exclude(email="")
        .exclude(email_preference=User.EmailPreference.OFF)
        .order_by("pk")
    )


def compose(*, cohort: Cohort, now: datetime) -> tuple[str, str, list[Membership]]:
    """(subject, body, rows) for the cohort's digest at ``now``; ``rows`` carry ``new_alerts``.
    The body comes from ``templates/mentoring/email/weekly_digest.txt``."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    rows = list(member_rows(cohort=cohort, now=now))
    for m in rows:
        m.new_alerts = [code for code in m.alerts if code not in (m.alerts_digested or [])]
    fresh = [m for m in rows if m.new_alerts]
    alert_lines = []
    for m in fresh:
        reasons = dict(alerts.reasons(m, cohort=cohort, now=now))
        alert_lines += [
            f"{m.user.shown_name} ({m.user.username}) — {reasons[code]}" for code in m.new_alerts
        ]
    items = [
        {
            "label": item.label,
            "title": item.title,
            "author": item.author,
            "waiting": timesince(item.since, now),
            "link": base + reverse("thread", kwargs={"thread_id": item.thread_id}),
        }
        for item in cohort_inbox(cohort=cohort, now=now)
    ]
    body = render_to_string(
        "mentoring/email/weekly_digest.txt",
        {
            "cohort": cohort,
            "fresh": fresh,
            "alert_lines": alert_lines,
            "standing": sum(1 for m in rows if m.alerts),
            "dashboard_link": base + reverse("dashboard:cohort", args=[cohort.pk]),
            "items": items,
            "inbox_link": base + reverse("inbox:cohort", args=[cohort.pk]),
            "settings_link": base + reverse("email_preference"),
        },
    )
    subject = (
        f"[Staffroom] Your week in {cohort.name}: {len(items)} waiting, "
        f"{len(fresh)} new alert{'s' if len(fresh) != 1 else ''}"
    )
    return subject, body, rows


@task()
def send_weekly_digest(cohort_id: int) -> int:
    """Email the cohort's tutors their weekly digest; returns how many emails were sent.

    The week is claimed (sent time, the alerts now told) in a short transaction; the emails go
    out after it committed, so no SMTP conversation holds the cohort's row lock. If sending
    fails, the claim is handed back and a retry sends the same digest.
    """
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().filter(pk=cohort_id).first()
        if cohort is None:
            return 0
        now = timezone.now()
        previous_sent_at = cohort.weekly_digest_sent_at
        if previous_sent_at and now - previous_sent_at < MIN_INTERVAL:
            return 0
        subject, body, rows = compose(cohort=cohort, now=now)
        recipients = _recipients(cohort)
        # What was told is remembered, so next week's "new" means new.
        changed = [m for m in rows if (m.alerts_digested or []) != list(m.alerts)]
        told_before = {m.pk: m.alerts_digested for m in changed}
        for m in changed:
            m.alerts_digested = list(m.alerts)
        Membership.objects.bulk_update(changed, ["alerts_digested"])
        cohort.weekly_digest_sent_at = now
        cohort.save(update_fields=["weekly_digest_sent_at"])
    try:
        for tutor in recipients:
            send_mail(
                subject=subject,
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[tutor.email],
            )
    except Exception:
        with transaction.atomic():
            Cohort.objects.filter(pk=cohort_id, weekly_digest_sent_at=now).update(
                weekly_digest_sent_at=previous_sent_at
            )
            for m in changed:
                m.alerts_digested = told_before[m.pk]
            Membership.objects.bulk_update(changed, ["alerts_digested"])
        raise
    return len(recipients)


def queue_weekly_digests() -> int:
    """Queue one digest task per cohort that has tutors; returns how many."""
    cohort_ids = tutor_memberships().order_by().values_list("cohort_id", flat=True).distinct()
    queued = 0
    for cohort_id in cohort_ids:
        send_weekly_digest.enqueue(cohort_id)
        queued += 1
    return queued
