"""Retention: what Staffroom deletes, and when (``manage.py apply_retention``, daily).

Each category is one bounded query on an indexed date, counted first and then deleted in one
statement, so a dry run reports exactly what a real run at the same moment would delete.

Read events are the one category with a summary that outlives them: every read is also counted
in the member's weekly bucket (``MemberWeek``), which the early-warning alerts use, and in the
membership's counters (first reads come from the read states, not the events). Events are
deleted in whole local weeks (before a Monday), after those weeks' buckets are recounted from
them, so a bucket never holds half a week of deleted events; the run records that Monday
(``RetentionRun.reads_folded_before``) and ``rebuild_participation`` then rebuilds only the
weeks from it on, keeping the older buckets as they are. The dashboard's trend reads the events
of its last 12 weeks, so read events are kept at least ``MIN_READ_EVENT_MONTHS``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from mentoring.models import (
    AccessLogEntry,
    Cohort,
    Draft,
    Invitation,
    JoinConfirmation,
    LiveEvent,
    Membership,
    Notification,
    ReadEvent,
    RetentionRun,
    User,
)
from mentoring.models.live import KEEP_SECONDS as LIVE_EVENT_SECONDS
from mentoring.models.retention import (  # noqa: F401 (what the job reads, kept importable here)
    FILE_MAIL_BACKEND,
    MIN_READ_EVENT_MONTHS,
    Policy,
    policy,
)
from mentoring.notifications.services.notifications import Notice, notify_many

DB_SESSION_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


@dataclass(frozen=True)
class Category:
    """One kind of record the job deletes, and how many it deleted (or would)."""

    name: str
    label: str
    count: int


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` moved back ``months`` calendar months (the day clamped to the month's end)."""
    local = timezone.localtime(moment)
    index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    day = min(local.day, (next_month - timedelta(days=1)).day)
    return local.replace(year=year, month=month, day=day)


def read_events_cutoff(now: datetime, months: int) -> tuple[date, datetime]:
    """The Monday (local) of the week ``months`` months before ``now``, and its first moment:
    read events before it go, in whole weeks."""
    local = timezone.localtime(months_before(now, months))
    monday = (local - timedelta(days=local.weekday())).date()
    return monday, timezone.make_aware(datetime.combine(monday, time.min))


def reads_folded_before() -> date | None:
    """The Monday before which read events were deleted (only the buckets hold those weeks)."""
    return RetentionRun.objects.aggregate(before=Max("reads_folded_before"))["before"]


# Recount the buckets of the weeks about to lose their events from those events, per member,
# in the local time zone the read service and the rebuild use: they were kept by the read
# service as reads happened, so this changes nothing unless something bypassed it (an import).
_FOLD_WEEKS = """
INSERT INTO mentoring_memberweek (membership_id, week, reads)
SELECT m.id, date_trunc('week', r.created_at AT TIME ZONE %(tz)s)::date, count(*)
FROM mentoring_readevent r
JOIN mentoring_membership m ON m.cohort_id = r.cohort_id AND m.user_id = r.user_id
WHERE r.created_at < %(before)s AND m.role = 'member'
GROUP BY 1, 2
ON CONFLICT (membership_id, week) DO UPDATE SET reads = EXCLUDED.reads
"""


def _querysets(now: datetime, rules: Policy) -> dict[str, tuple[str, QuerySet]]:
    _, reads_before = read_events_cutoff(now, rules.read_events_months)
    invitations_before = now - timedelta(days=rules.expired_invitations_days)
    sets: dict[str, tuple[str, QuerySet]] = {
        "read_events": (
            f"read events older than {rules.read_events_months} months (kept as weekly counts)",
            ReadEvent.objects.filter(created_at__lt=reads_before),
        ),
        "live_events": (
            f"live update log entries older than {rules.live_event_hours} hours",
            LiveEvent.objects.filter(created_at__lt=now - timedelta(seconds=LIVE_EVENT_SECONDS)),
        ),
        "notifications": (
            f"notifications read more than {rules.read_notifications_days} days ago",
            Notification.objects.filter(
                read_at__lt=now - timedelta(days=rules.read_notifications_days)
            ),
        ),
        "invitations": (
            f"invitations expired or revoked more than {rules.expired_invitations_days} days ago",
            Invitation.objects.filter(accepted_at__isnull=True).filter(
                Q(revoked_at__lt=invitations_before)
                | Q(revoked_at__isnull=True, expires_at__lt=invitations_before)
            ),
        ),
        "join_confirmations": (
            f"join confirmations expired more than {rules.expired_invitations_days} days ago",
            JoinConfirmation.objects.filter(
                created_at__lt=invitations_before - JoinConfirmation.LIFETIME
            ),
        ),
        "access_log": (
            f"access log entries older than {rules.access_log_days} days",
            AccessLogEntry.objects.filter(
                created_at__lt=now - timedelta(days=rules.access_log_days)
            ),
        ),
        "drafts": (
            f"unsent drafts of posts not touched for {rules.drafts_days} days",
            Draft.objects.filter(updated_at__lt=now - timedelta(days=rules.drafts_days)),
        ),
        # Year end: everything of the cohort goes with it (boards, threads, posts, memberships,
        # read events, weekly buckets, nudges, notifications, invitations, releases and their
        # groups cascade from the cohort); the access log keeps its entries, without the cohort.
        "archived_cohorts": (
            f"cohorts archived more than {rules.archived_cohort_days} days ago, "
            "with all their boards, posts, members and activity",
            Cohort.objects.filter(archived_at__lt=now - timedelta(days=rules.archived_cohort_days)),
        ),
    }
    if settings.SESSION_ENGINE in DB_SESSION_ENGINES:
        sets["sessions"] = ("expired sign-in sessions", Session.objects.filter(expire_date__lt=now))
    return sets


def _old_mail_files(now: datetime, rules: Policy) -> list[Path]:
    """Development only: the file-per-message backend's files older than the window."""
    if not rules.local_mail_kept:
        return []
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    before = (now - timedelta(days=rules.local_mail_days)).timestamp()
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix in {".eml", ".log"} and path.stat().st_mtime < before
    )


def _cohorts_to_remind(now: datetime, rules: Policy) -> QuerySet[Cohort]:
    """Archived cohorts whose deletion is within the reminder window and not yet announced."""
    deleted_from = now - timedelta(days=rules.archived_cohort_days)
    return Cohort.objects.filter(
        archived_at__gte=deleted_from,
        archived_at__lt=deleted_from + timedelta(days=rules.archived_cohort_reminder_days),
        deletion_reminder_sent_at__isnull=True,
    )


def _remind_tutors(cohorts: list[Cohort], *, now: datetime, rules: Policy) -> None:
    """Tell each cohort's tutors (a notification, and an e-mail as they chose to get them) when
    its data will be deleted, once: ``Cohort.deletion_reminder_sent_at`` records it."""
    for cohort in cohorts:
        deleted_on = timezone.localtime(
            cohort.archived_at + timedelta(days=rules.archived_cohort_days)
        )
        archived_on = timezone.localtime(cohort.archived_at)
        tutors = User.objects.filter(
            memberships__cohort=cohort, memberships__role=Membership.Role.TUTOR
        )
        notify_many(
            Notice(
                user=tutor,
                kind=Notification.Kind.SYSTEM,
                title=f"{cohort.name} will be deleted on {deleted_on:%-d %B %Y}",
                body=(
                    f"{cohort.name} was archived on {archived_on:%-d %B %Y}. "
                    f"On {deleted_on:%-d %B %Y} its boards, posts, members and activity are "
                    "deleted for good. Download the cohort's records before then if the "
                    "university needs them."
                ),
                url=reverse("cohort_settings", args=[cohort.pk]),
                cohort=cohort,
            )
            for tutor in tutors
        )
    Cohort.objects.filter(pk__in=[c.pk for c in cohorts]).update(deletion_reminder_sent_at=now)


def apply_retention(*, now: datetime | None = None, dry_run: bool = False) -> list[Category]:
    """Delete (or, with ``dry_run``, only count) what is past its retention period at ``now``.

    Returns one ``Category`` per kind of record, in a fixed order. A real run is one
    transaction (the files of the development mail backend are removed after it commits) and
    is recorded as a ``RetentionRun``.
    """
    now = now or timezone.now()
    rules = policy()
    sets = _querysets(now, rules)
    mail_files = _old_mail_files(now, rules)
    to_remind = list(_cohorts_to_remind(now, rules))
    if dry_run:
        results = [Category(name, label, qs.count()) for name, (label, qs) in sets.items()]
    else:
        monday, reads_before = read_events_cutoff(now, rules.read_events_months)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    _FOLD_WEEKS,
                    {"before": reads_before, "tz": timezone.get_current_timezone_name()},
                )
            _remind_tutors(to_remind, now=now, rules=rules)
            results = []
            for name, (label, qs) in sets.items():
                _, per_model = qs.delete()  # counted without what cascades from them
                results.append(Category(name, label, per_model.get(qs.model._meta.label, 0)))
            previous = reads_folded_before()
            RetentionRun.objects.create(
                ran_at=now,
                reads_folded_before=max(monday, previous) if previous else monday,
                counts={c.name: c.count for c in results}
                | {"local_mail": len(mail_files), "archived_cohort_reminders": len(to_remind)},
            )
        for path in mail_files:
            path.unlink(missing_ok=True)
    results.append(
        Category(
            "archived_cohort_reminders",
            f"archived cohorts whose tutors are reminded, {rules.archived_cohort_reminder_days} "
            "days before, of the deletion (not deleted; sent once)",
            len(to_remind),
        )
    )
    if rules.local_mail_kept:
        results.append(
            Category(
                "local_mail",
                f"development e-mail files older than {rules.local_mail_days} days "
                f"in {os.fspath(settings.EMAIL_FILE_PATH)}",
                len(mail_files),
            )
        )
    return results
