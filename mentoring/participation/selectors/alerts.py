"""Early warning: members whose engagement is slipping, before the reader becomes a ghost.

Three alerts, each a plain rule over what the services already keep, so a dashboard of 1,100
members computes them in the same single query as the statuses:

- ``went_quiet``: active before (read, posted or opened a resource at least once) and nothing
  at all for the cohort's ``quiet_days`` (default 14), from ``Membership.last_seen_at``;
- ``reading_declined``: over the last two finished calendar weeks they read under half as many
  threads a week as over the four weeks before — which needs at least one read a week on
  average then, so one stray read does not make a trend. Read from the weekly buckets
  (``MemberWeek``) that the read service keeps, never from the read events;
- ``never_started``: enrolled at least ``never_started_days`` (default 7) ago and no activity.

Weeks start on Monday (local time); the current, unfinished week is not compared, so an alert
does not flicker on a Monday morning. ``now`` can be injected for tests and digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from mentoring.models import Membership, MemberWeek

WENT_QUIET = "went_quiet"
READING_DECLINED = "reading_declined"
NEVER_STARTED = "never_started"
ALL = (WENT_QUIET, READING_DECLINED, NEVER_STARTED)
LABELS = {
    WENT_QUIET: "Went quiet",
    READING_DECLINED: "Reading declined",
    NEVER_STARTED: "Never started",
}
PLURALS = {
    WENT_QUIET: "members who went quiet",
    READING_DECLINED: "members whose reading declined",
    NEVER_STARTED: "members who never started",
}

RECENT_WEEKS = 2
BASELINE_WEEKS = 4
# Reading "declined" when the recent weekly rate is under this share of the baseline rate...
DECLINE_RATIO = 0.5
# ...and the baseline rate was at least this many reads a week.
MIN_BASELINE_WEEKLY_READS = 1


def week_monday(moment: datetime) -> date:
    """The Monday of ``moment``'s week, in local time (the buckets' key)."""
    local = timezone.localtime(moment)
    return (local - timedelta(days=local.weekday())).date()


@dataclass(frozen=True)
class Windows:
    """The two windows ``reading_declined`` compares, as ranges of bucket Mondays."""

    recent_from: date
    baseline_from: date
    until: date  # this week's Monday: not included

    @classmethod
    def at(cls, now: datetime) -> Windows:
        this_week = week_monday(now)
        recent_from = this_week - timedelta(weeks=RECENT_WEEKS)
        return cls(
            recent_from=recent_from,
            baseline_from=recent_from - timedelta(weeks=BASELINE_WEEKS),
            until=this_week,
        )


def window_sums(windows: Windows) -> dict[str, Subquery]:
    """The recent and baseline read sums of the member row they are annotated on (``pk``),
    from its weekly buckets: one index range scan each (``one_bucket_per_week``)."""

    def weeks_sum(since: date, until: date) -> Subquery:
        buckets = MemberWeek.objects.filter(
            membership=OuterRef("pk"), week__gte=since, week__lt=until
        )
        return Subquery(
            buckets.order_by().values("membership").annotate(total=Sum("reads")).values("total")
        )

    return {
        "recent": weeks_sum(windows.recent_from, windows.until),
        "baseline": weeks_sum(windows.baseline_from, windows.recent_from),
    }


def _days_ago(now: datetime, days: int | F) -> ExpressionWrapper | Value:
    """``now`` minus ``days`` (a number, or a cohort's setting as ``F``) as a timestamp."""
    if isinstance(days, int):
        return Value(now - timedelta(days=days))
    return ExpressionWrapper(
        Value(now) - days * Value(timedelta(days=1)), output_field=DateTimeField()
    )


class _Array(Func):
    template = "ARRAY[%(expressions)s]"
    arg_joiner = ", "


class _ArrayRemoveNull(Func):
    function = "array_remove"
    template = "%(function)s(%(expressions)s, NULL)"


def with_alerts(
    rows: QuerySet[Membership],
    *,
    now: datetime | None = None,
    quiet_days: int | F | None = None,
    never_started_days: int | F | None = None,
) -> QuerySet[Membership]:
    """Annotate each member row with ``recent_reads``, ``baseline_reads``, a boolean per alert
    (``alert_went_quiet`` …) and ``alerts``, the list of codes. Thresholds default to each
    row's cohort settings; pass the numbers when all rows share a cohort (a simpler plan)."""
    now = now or timezone.now()
    quiet_days = F("cohort__quiet_days") if quiet_days is None else quiet_days
    if never_started_days is None:
        never_started_days = F("cohort__never_started_days")
    windows = Windows.at(now)
    no_activity = Q(last_seen_at__isnull=True, threads_read=0, posts=0, resource_views=0)
    # recent/RECENT_WEEKS < DECLINE_RATIO * baseline/BASELINE_WEEKS, in integers (no rounding):
    # recent * den * BASELINE_WEEKS < baseline * num * RECENT_WEEKS.
    ratio_num, ratio_den = DECLINE_RATIO.as_integer_ratio()

    # The two sums as stored for this week, or summed from the member's buckets (an index
    # range scan each, only for rows stored for another week: PostgreSQL evaluates a CASE
    # branch only when it is taken).
    stored = Q(alert_week=windows.until)
    sums = window_sums(windows)
    rows = rows.annotate(
        recent_reads=Case(
            When(stored, then=F("alert_recent_reads")), default=Coalesce(sums["recent"], 0)
        ),
        baseline_reads=Case(
            When(stored, then=F("alert_baseline_reads")), default=Coalesce(sums["baseline"], 0)
        ),
    )
    rows = rows.alias(
        recent_scaled=F("recent_reads") * (ratio_den * BASELINE_WEEKS),
        baseline_scaled=F("baseline_reads") * (ratio_num * RECENT_WEEKS),
    )
    conditions = {
        WENT_QUIET: Q(last_seen_at__isnull=False, last_seen_at__lte=_days_ago(now, quiet_days)),
        READING_DECLINED: Q(
            baseline_reads__gte=MIN_BASELINE_WEEKLY_READS * BASELINE_WEEKS,
            recent_scaled__lt=F("baseline_scaled"),
        ),
        NEVER_STARTED: no_activity & Q(joined_at__lte=_days_ago(now, never_started_days)),
    }
    flags = {
        f"alert_{code}": Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        for code, condition in conditions.items()
    }
    rows = rows.annotate(**flags)
    codes = _Array(
        *(
            Case(When(**{f"alert_{code}": True}, then=Value(code)), output_field=CharField())
            for code in ALL
        ),
        output_field=ArrayField(CharField()),
    )
    return rows.annotate(alerts=_ArrayRemoveNull(codes, output_field=ArrayField(CharField())))


def alert_filter(code: str) -> Q:
    """Rows (annotated by ``with_alerts``) that carry ``code``."""
    return Q(**{f"alert_{code}": True})


def explanations(
    member: Membership, *, cohort, now: datetime | None = None
) -> list[tuple[str, str, str]]:
    """Each alert of an annotated row as ``(code, label, why)``, the why in words: shown as text
    under the label on the dashboard (never only in a tooltip, which touch screens and screen
    readers miss) and on the member's own page."""
    now = now or timezone.now()
    out = []
    for code in getattr(member, "alerts", None) or []:
        if code == WENT_QUIET:
            days = (now - member.last_seen_at).days
            text = (
                f"Active before, then nothing for {days} days "
                f"(last seen {timezone.localtime(member.last_seen_at):%-d %b}; "
                f"the cohort's limit is {cohort.quiet_days})."
            )
        elif code == READING_DECLINED:
            recent = member.recent_reads / RECENT_WEEKS
            baseline = member.baseline_reads / BASELINE_WEEKS
            text = (
                f"Read {recent:g} thread{'s' if recent != 1 else ''} a week over the last "
                f"{RECENT_WEEKS} weeks, under half of the {baseline:g} a week of the "
                f"{BASELINE_WEEKS} weeks before."
            )
        else:
            text = (
                f"Enrolled {timezone.localtime(member.joined_at):%-d %b} and nothing since: "
                "no reads, posts or resources opened."
            )
        out.append((code, LABELS[code], text))
    return out


def reasons(member: Membership, *, cohort, now: datetime | None = None) -> list[tuple[str, str]]:
    """Each alert of an annotated row with its reason in words, label first, for tutors and
    the member."""
    return [
        (code, f"{label}: {text}")
        for code, label, text in explanations(member, cohort=cohort, now=now)
    ]
