"""Participation: the per-member counters behind the tutor dashboard.

Each hook updates one membership row in the caller's transaction, so the counters are exactly as
committed as the activity they count, and sends ``member.updated`` for that member only, after
commit. Nothing here re-aggregates events; ``rebuild_participation`` recomputes from them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from mentoring.models import (
    Cohort,
    Membership,
    Nudge,
    Post,
    ReadEvent,
    ResourceView,
    RetentionRun,
    Thread,
    User,
)
from mentoring.participation import events
from mentoring.participation.selectors import alerts as alert_rules

_UPSERT_READ_STATE = """
INSERT INTO mentoring_threadreadstate (user_id, thread_id, first_read_at, last_read_at)
VALUES (%s, %s, %s, %s)
ON CONFLICT (user_id, thread_id) DO UPDATE
    SET previous_read_at = mentoring_threadreadstate.last_read_at,
        last_read_at = EXCLUDED.last_read_at
RETURNING (xmax = 0) AS inserted, previous_read_at
"""

# One more read in the member's weekly bucket (the early-warning alerts compare weeks).
_BUMP_WEEK = """
INSERT INTO mentoring_memberweek (membership_id, week, reads) VALUES (%s, %s, 1)
ON CONFLICT (membership_id, week) DO UPDATE SET reads = mentoring_memberweek.reads + 1
"""


def _member_id(*, user_id: int, cohort_id: int) -> int | None:
    return (
        Membership.objects.filter(user_id=user_id, cohort_id=cohort_id, role=Membership.Role.MEMBER)
        .values_list("pk", flat=True)
        .first()
    )


@transaction.atomic
def record_thread_read(*, user: User, thread: Thread) -> bool:
    """Record that ``user`` opened ``thread``: one upsert of their read state, a read event at
    most once per user and thread every READ_EVENT_THROTTLE_SECONDS, and the member's counters.

    Returns True when this was the user's first read of the thread.
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_READ_STATE, [user.pk, thread.pk, now, now])
        first_read, previous_read_at = cursor.fetchone()
    membership_id = _member_id(user_id=user.pk, cohort_id=thread.cohort_id)
    if membership_id is None:  # Tutors and staff keep read state but are not counted.
        return first_read
    throttle = timedelta(seconds=settings.READ_EVENT_THROTTLE_SECONDS)
    new_event = first_read or previous_read_at is None or now - previous_read_at >= throttle
    if new_event:
        ReadEvent.objects.create(
            user=user, thread=thread, cohort_id=thread.cohort_id, created_at=now
        )
        with connection.cursor() as cursor:
            cursor.execute(_BUMP_WEEK, [membership_id, alert_rules.week_monday(now)])
    changes: dict = {"last_seen_at": now}
    if first_read:
        changes["threads_read"] = F("threads_read") + 1
    Membership.objects.filter(pk=membership_id).update(**changes)
    if first_read or new_event:
        events.member_updated(membership_id, thread.cohort_id)
    return first_read


@transaction.atomic
def post_added(*, post: Post) -> None:
    """Count a new post by its author; it converts any nudge of theirs still waiting."""
    membership_id = _member_id(user_id=post.author_id, cohort_id=post.cohort_id)
    if membership_id is None:
        return
    Membership.objects.filter(pk=membership_id).update(
        posts=F("posts") + 1,
        last_posted_at=Greatest(F("last_posted_at"), Value(post.created_at)),
        last_seen_at=timezone.now(),
    )
    # Coalesce-free Greatest: PostgreSQL's GREATEST ignores NULLs, so a first post sets it.
    Nudge.objects.filter(
        cohort_id=post.cohort_id,
        member_id=post.author_id,
        converted_at__isnull=True,
        created_at__lte=post.created_at,
    ).update(converted_at=post.created_at)
    events.member_updated(membership_id, post.cohort_id)


@transaction.atomic
def post_removed(*, post: Post) -> None:
    """Uncount a retracted post: call it in the retraction's transaction, once per post.

    Nudges this post had converted are re-pointed at the member's next live post, if any.
    """
    membership_id = _member_id(user_id=post.author_id, cohort_id=post.cohort_id)
    if membership_id is None:
        return
    live_posts = (
        Post.objects.live()
        .filter(cohort_id=post.cohort_id, author_id=post.author_id)
        .exclude(pk=post.pk)
    )
    last_live = live_posts.order_by("-created_at").values("created_at")[:1]
    Membership.objects.filter(pk=membership_id).update(
        posts=Greatest(F("posts") - 1, Value(0)),
        last_posted_at=Subquery(last_live),
    )
    next_live_after_nudge = (
        live_posts.filter(created_at__gte=OuterRef("created_at"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    Nudge.objects.filter(
        cohort_id=post.cohort_id, member_id=post.author_id, converted_at__isnull=False
    ).update(converted_at=Subquery(next_live_after_nudge))
    events.member_updated(membership_id, post.cohort_id)


@transaction.atomic
def reactions_changed(*, cohort_id: int, changes: dict[int, int]) -> None:
    """Count reactions given (+n) or taken back (-n) per user id, in the caller's transaction:
    members only (tutors are not on the dashboard). Reacting never touches the other counters,
    so a member's status means what it always did."""
    changes = {user_id: delta for user_id, delta in changes.items() if delta}
    if not changes:
        return
    memberships = dict(
        Membership.objects.filter(
            cohort_id=cohort_id, user_id__in=list(changes), role=Membership.Role.MEMBER
        ).values_list("user_id", "pk")
    )
    for user_id, membership_id in memberships.items():
        Membership.objects.filter(pk=membership_id).update(
            reactions=Greatest(F("reactions") + changes[user_id], Value(0))
        )
    if memberships:
        events.members_updated(list(memberships.values()), cohort_id)


@transaction.atomic
def record_resource_view(
    *, user: User, cohort: Cohort, resource_kind: str, resource_id: str | int
) -> bool:
    """Count a member opening a resource (a scenario page, a document). True if counted."""
    membership_id = _member_id(user_id=user.pk, cohort_id=cohort.pk)
    if membership_id is None:
        return False
    now = timezone.now()
    ResourceView.objects.create(
        user=user,
        cohort=cohort,
        resource_kind=resource_kind,
        resource_id=str(resource_id),
        created_at=now,
    )
    Membership.objects.filter(pk=membership_id).update(
        resource_views=F("resource_views") + 1, last_seen_at=now
    )
    events.member_updated(membership_id, cohort.pk)
    return True


# --- Rebuilding from the events ---------------------------------------------------------------
# Set-based: every member's contributions (first reads from the read states, live posts, resource
# views, nudges) go into ONE aggregate, grouped once by (cohort, user), and that is joined once
# to the memberships. Separate per-source aggregates joined to each other let the planner pick
# nested loops over every post per member when a new big cohort has no statistics yet — which
# did not finish in 13 minutes for 11,000 members — so ``rebuild_counters`` also ANALYZEs first.
_REBUILD_MEMBERSHIPS = """
WITH activity AS MATERIALIZED (
    SELECT cohort_id, user_id,
           sum(reads) AS reads, sum(posts) AS posts, sum(views) AS views,
           sum(reacts) AS reacts,
           max(read_at) AS last_read_at, max(live_post_at) AS last_live_post_at,
           max(post_at) AS last_post_at, max(view_at) AS last_view_at,
           max(nudge_at) AS last_nudge_at
    FROM (
        SELECT t.cohort_id, s.user_id, 1 AS reads, 0 AS posts, 0 AS views,
               s.last_read_at AS read_at, NULL::timestamptz AS live_post_at,
               NULL::timestamptz AS post_at, NULL::timestamptz AS view_at,
               NULL::timestamptz AS nudge_at, 0 AS reacts
        FROM mentoring_threadreadstate s JOIN mentoring_thread t ON t.id = s.thread_id
        WHERE t.cohort_id = ANY(%(cohorts)s)
        UNION ALL
        SELECT cohort_id, author_id, 0, (retracted_at IS NULL)::int, 0,
               NULL, CASE WHEN retracted_at IS NULL THEN created_at END, created_at, NULL, NULL, 0
        FROM mentoring_post WHERE cohort_id = ANY(%(cohorts)s)
        UNION ALL
        SELECT cohort_id, user_id, 0, 0, 1, NULL, NULL, NULL, created_at, NULL, 0
        FROM mentoring_resourceview WHERE cohort_id = ANY(%(cohorts)s)
        UNION ALL
        SELECT cohort_id, member_id, 0, 0, 0, NULL, NULL, NULL, NULL, created_at, 0
        FROM mentoring_nudge WHERE cohort_id = ANY(%(cohorts)s)
        UNION ALL
        SELECT cohort_id, user_id, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, 1
        FROM mentoring_reaction WHERE cohort_id = ANY(%(cohorts)s)
    ) AS contributions
    GROUP BY cohort_id, user_id
)
UPDATE mentoring_membership AS m SET
    threads_read = coalesce(a.reads, 0),
    posts = coalesce(a.posts, 0),
    resource_views = coalesce(a.views, 0),
    reactions = coalesce(a.reacts, 0),
    last_posted_at = a.last_live_post_at,
    last_nudged_at = a.last_nudge_at,
    -- Deleted (retracted) posts leave no trace, so last seen only ever moves forward.
    last_seen_at = greatest(m.last_seen_at, a.last_read_at, a.last_post_at, a.last_view_at)
FROM mentoring_membership AS mm
LEFT JOIN activity AS a ON a.cohort_id = mm.cohort_id AND a.user_id = mm.user_id
WHERE m.id = mm.id AND mm.cohort_id = ANY(%(cohorts)s) AND mm.role = 'member'
"""

# The weekly read buckets from the read events, in the local time zone the service uses; only
# from the week the retention job last deleted events before (``folded``): older weeks have
# no events left, and their buckets are all that remains of them.
_CLEAR_WEEKS = """
DELETE FROM mentoring_memberweek w USING mentoring_membership m
WHERE w.membership_id = m.id AND m.cohort_id = ANY(%(cohorts)s)
  AND w.week >= coalesce(%(folded)s::date, '-infinity'::date)
"""
_REBUILD_WEEKS = """
INSERT INTO mentoring_memberweek (membership_id, week, reads)
SELECT m.id, date_trunc('week', r.created_at AT TIME ZONE %(tz)s)::date, count(*)
FROM mentoring_readevent r
JOIN mentoring_membership m ON m.cohort_id = r.cohort_id AND m.user_id = r.user_id
WHERE r.cohort_id = ANY(%(cohorts)s) AND m.role = 'member'
  AND date_trunc('week', r.created_at AT TIME ZONE %(tz)s)::date
      >= coalesce(%(folded)s::date, '-infinity'::date)
GROUP BY 1, 2
"""

# The tables the rebuild reads; their statistics must describe a freshly imported cohort.
_REBUILD_SOURCES = (
    "mentoring_membership",
    "mentoring_thread",
    "mentoring_threadreadstate",
    "mentoring_post",
    "mentoring_resourceview",
    "mentoring_nudge",
    "mentoring_reaction",
    "mentoring_readevent",
)

_REBUILD_CONVERSIONS = """
UPDATE mentoring_nudge AS n SET converted_at = (
    SELECT min(p.created_at) FROM mentoring_post p
    WHERE p.cohort_id = n.cohort_id AND p.author_id = n.member_id
      AND p.retracted_at IS NULL AND p.created_at >= n.created_at
)
WHERE n.cohort_id = ANY(%(cohorts)s)
"""


# Cohorts this process has stored this week's sums for, and the week: the dashboard then skips
# even the no-op UPDATE. Only a speed-up: rows stored for another week (a member who joined
# since, a rebuild) are summed from the buckets until the next refresh, with the same result.
_REFRESHED: dict[int, date] = {}


def refresh_alert_windows(
    *, cohort_ids: list[int] | None = None, now: datetime | None = None
) -> int:
    """Store each member's two alert sums for this week where they are stored for another week
    (or never were): one UPDATE. Returns the rows updated.

    Called before the dashboard reads (so only its first read of a week sums the buckets) and
    after a rebuild. Reads are always counted in the current week, which neither sum covers,
    so stored sums stay right until the week ends.
    """
    windows = alert_rules.Windows.at(now or timezone.now())
    if cohort_ids is not None:
        cohort_ids = [pk for pk in cohort_ids if _REFRESHED.get(pk) != windows.until]
        if not cohort_ids:
            return 0
    sums = alert_rules.window_sums(windows)
    rows = Membership.objects.filter(role=Membership.Role.MEMBER).exclude(alert_week=windows.until)
    if cohort_ids is not None:
        rows = rows.filter(cohort_id__in=cohort_ids)
    updated = rows.update(
        alert_week=windows.until,
        alert_recent_reads=Coalesce(sums["recent"], 0),
        alert_baseline_reads=Coalesce(sums["baseline"], 0),
    )
    if cohort_ids is not None and windows.until == alert_rules.week_monday(timezone.now()):
        transaction.on_commit(lambda: _REFRESHED.update(dict.fromkeys(cohort_ids, windows.until)))
    return updated


@transaction.atomic
def rebuild_counters(*, cohort_ids: list[int] | None = None) -> int:
    """Recompute every member's counters, weekly read buckets and nudge conversions from the
    recorded activity.

    For repairs and bulk imports; the hooks above keep them right as things happen. Rows are
    locked for the rebuild so a read recorded meanwhile waits rather than being lost. Returns
    the number of memberships rebuilt. No live events are sent: dashboards reload. Weekly
    buckets of weeks whose read events the retention job deleted are kept as they are.
    """
    if cohort_ids is None:
        cohort_ids = list(Cohort.objects.values_list("pk", flat=True))
    cohort_ids = [int(pk) for pk in cohort_ids]
    if not cohort_ids:
        return 0
    list(
        Membership.objects.select_for_update()
        .filter(cohort_id__in=cohort_ids, role=Membership.Role.MEMBER)
        .values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        for table in _REBUILD_SOURCES:
            cursor.execute(f"ANALYZE {table}")
        cursor.execute(_REBUILD_MEMBERSHIPS, {"cohorts": cohort_ids})
        rebuilt = cursor.rowcount
        cursor.execute(_REBUILD_CONVERSIONS, {"cohorts": cohort_ids})
        # Weeks before this have had their read events deleted by the retention job.
        folded = RetentionRun.objects.aggregate(before=Max("reads_folded_before"))["before"]
        cursor.execute(_CLEAR_WEEKS, {"cohorts": cohort_ids, "folded": folded})
        cursor.execute(
            _REBUILD_WEEKS,
            {
                "cohorts": cohort_ids,
                "tz": timezone.get_current_timezone_name(),
                "folded": folded,
            },
        )
    # The buckets were rewritten: so are the sums stored from them.
    Membership.objects.filter(cohort_id__in=cohort_ids).update(alert_week=None)
    for cohort_id in cohort_ids:
        _REFRESHED.pop(cohort_id, None)
    refresh_alert_windows(cohort_ids=cohort_ids)
    return rebuilt
