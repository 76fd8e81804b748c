"""Who reads, who posts, who only opens the resources: the tutors' dashboard reads.

Status is derived in SQL from the per-member counters on ``Membership`` (kept up to date by
``mentoring.participation.services.counters``), so one request reads one row per member and never
re-aggregates the read events. Only the weekly trend touches the events, bounded by weeks.
"""

from __future__ import annotations

import csv
import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Coalesce,
    Collate,
    Concat,
    JSONObject,
    Lower,
    NullIf,
    RowNumber,
    Trim,
    TruncWeek,
)
from django.utils import timezone

from mentoring.core.pagination import Keyed, Page, PageSize, keyset_page, keyset_queryset
from mentoring.core.spreadsheet import BOM, csv_cell
from mentoring.core.streaming import STREAM_CHUNK, stream_rows
from mentoring.models import (
    Cohort,
    Membership,
    Nudge,
    ParticipationStatus,
    Post,
    ReadEvent,
    User,
)
from mentoring.participation.selectors import alerts as alert_rules
from mentoring.participation.selectors.charts import WeekPoint
from mentoring.rules.permissions import can_view_participation, remember_role, tutor_memberships

# The statuses as the rest of the app has always called them here.
Status = ParticipationStatus


def tutored_cohort(*, user: User, cohort_id: int) -> Cohort | None:
    """The cohort if ``user`` may see its participation (its tutors), else None: members,
    strangers and missing cohorts all look the same to the caller (404)."""
    viewer_role = Membership.objects.filter(cohort=OuterRef("pk"), user_id=user.pk)
    cohort = (
        Cohort.objects.filter(pk=cohort_id)
        .annotate(viewer_role=Subquery(viewer_role.values("role")[:1]))
        .first()
    )
    if cohort is None:
        return None
    remember_role(user, cohort.pk, cohort.viewer_role)  # one query for both
    if not can_view_participation(user, cohort):
        return None
    return cohort


def status_conditions(reader_threshold: int | F) -> dict[str, Q]:
    """The statuses' rules (docs/api.md) as filters on a membership's counters, one per status.

    ``posts`` counts non-retracted posts only, so a retracted post never makes a contributor.
    A member who read fewer threads than the threshold (but some) is neither a reader nor
    resource-only: the public surface (docs/api.md) leaves them ``inactive``.
    """
    return {
        Status.CONTRIBUTOR: Q(posts__gte=1),
        Status.READER: Q(posts=0, threads_read__gte=reader_threshold),
        Status.RESOURCE_ONLY: Q(posts=0, threads_read=0, resource_views__gte=1),
    }


def status_expression(reader_threshold: int | F) -> Case:
    return Case(
        *(
            When(cond, then=Value(status))
            for status, cond in status_conditions(reader_threshold).items()
        ),
        default=Value(Status.INACTIVE),
        output_field=CharField(),
    )


# Flags: facts about a member shown beside their status, never changing it. ``reacts``: they
# react to posts but have no live post yet — a step beyond reading (a reader stays a reader).
REACTS = "reacts"
FLAGS = (REACTS,)
FLAG_LABELS = {REACTS: "Reacts"}
FLAG_CHOICES = {REACTS: "react but have not posted"}


def flag_conditions() -> dict[str, Q]:
    return {REACTS: Q(reactions__gte=1, posts=0)}


def posted_after_nudge_expression() -> Case:
    # last_posted_at is the newest *live* post (the service recomputes it on retraction).
    return Case(
        When(
            last_nudged_at__isnull=False,
            last_posted_at__isnull=False,
            last_posted_at__gte=F("last_nudged_at"),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def member_rows(
    *,
    cohort: Cohort,
    status: str | None = None,
    order: str | None = None,
    alert: str | None = None,
    now: datetime | None = None,
    flag: str | None = None,
) -> QuerySet[Membership]:
    """Members (never tutors) with ``status``, ``posted_after_nudge``, ``alerts`` and ``reacts``
    annotated: one query. ``alert`` keeps only members with that alert, ``flag`` (``reacts``)
    those with that flag."""
    rows = Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER).select_related(
        "user"
    )
    rows = _with_status(rows, cohort.reader_threshold)
    rows = alert_rules.with_alerts(
        rows, now=now, quiet_days=cohort.quiet_days, never_started_days=cohort.never_started_days
    )
    if status in Status.values:
        rows = rows.filter(status=status)
    if alert in alert_rules.ALL:
        rows = rows.filter(alert_rules.alert_filter(alert))
    if flag in FLAGS:
        rows = rows.filter(flag_conditions()[flag])
    return rows.order_by(*_ordering(order))


SORTABLE = {
    "name": ("shown_name",),
    "username": ("user__username",),
    "status": ("status",),
    "threads_read": ("threads_read",),
    "posts": ("posts",),
    "reactions": ("reactions",),
    "resource_views": ("resource_views",),
    "last_seen": ("last_seen_at",),
    "nudged_at": ("last_nudged_at",),
}


# Names sort naturally (Member 2 before Member 10; the "natural" ICU collation of migration
# 0005), statuses in the order of their meaning rather than alphabetically.
_SORT_COLUMNS = {
    "shown_name": lambda: Collate(Lower(_shown_name()), "natural"),
    "status": lambda: Case(
        *(When(status=status, then=Value(rank)) for rank, status in enumerate(Status.values)),
        default=Value(len(Status.values)),
        output_field=IntegerField(),
    ),
}


def _ordering(order: str | None) -> list:
    descending = bool(order) and order.startswith("-")
    key = (order or "").lstrip("-")
    fields = SORTABLE.get(key, SORTABLE["username"])
    columns = [_SORT_COLUMNS[f]() if f in _SORT_COLUMNS else F(f) for f in fields]
    expressions = [
        c.desc(nulls_last=True) if descending else c.asc(nulls_last=True) for c in columns
    ]
    return [*expressions, "user__username", "pk"]


def _with_status(rows: QuerySet[Membership], reader_threshold: int | F) -> QuerySet[Membership]:
    return rows.annotate(
        status=status_expression(reader_threshold),
        posted_after_nudge=posted_after_nudge_expression(),
        reacts=Case(
            When(flag_conditions()[REACTS], then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def member_rows_by_id(*, membership_ids: list[int], now: datetime | None = None) -> list[dict]:
    """Those members' rows as JSON-ready data, for live ``member.updated`` events.

    One query for just those members (the threshold joined from each cohort): a live update
    never recomputes the whole cohort, and a bulk nudge does not read its members one by one.
    Every post, read and nudge sends one, so the query is compiled once per number of members
    (and alert week) and reused with their ids and the time (``_rows_by_id_query``): compiling
    it cost the web process ~10 ms of CPU per post.
    """
    ids = list(dict.fromkeys(membership_ids))
    if not ids:
        return []
    sql, params = _rows_by_id_query(ids, now or timezone.now())
    with connection.cursor() as db:
        db.execute(sql, params)
        names = [column.name for column in db.description]
        payload = [dict(zip(names, row, strict=True)) for row in db.fetchall()]
    for row in payload:
        for key in ("last_seen", "nudged_at"):
            row[key] = row[key] and row[key].isoformat()
    return payload


_BY_ID: dict[tuple, tuple[str, list, list[int], list[int]]] = {}


def _rows_by_id_query(ids: list[int], now: datetime) -> tuple[str, list]:
    key = (len(ids), alert_rules.Windows.at(now))
    found = _BY_ID.get(key)
    if found is None:
        # Placeholder ids no row has, each once among the parameters; the time is the only
        # other parameter that changes (``alerts._days_ago`` with the cohort's settings).
        placeholders = [-(10**12) - i for i in range(len(ids))]
        rows = Membership.objects.filter(pk__in=placeholders, role=Membership.Role.MEMBER)
        rows = alert_rules.with_alerts(_with_status(rows, F("cohort__reader_threshold")), now=now)
        sql, params = _as_payload(rows).query.sql_with_params()
        params = list(params)
        at_ids = [params.index(placeholder) for placeholder in placeholders]
        at_now = [i for i, p in enumerate(params) if isinstance(p, datetime) and p == now]
        found = (sql, params, at_ids, at_now)
        if len(_BY_ID) > 256:
            _BY_ID.clear()
        _BY_ID[key] = found
    sql, template, at_ids, at_now = found
    params = list(template)
    for index, pk in zip(at_ids, ids, strict=True):
        params[index] = pk
    for index in at_now:
        params[index] = now
    return sql, params


def own_participation(*, user: User, cohort_id: int) -> Membership | None:
    """The caller's own row in a cohort they are a member of (tutors have none)."""
    rows = Membership.objects.filter(
        cohort_id=cohort_id, user=user, role=Membership.Role.MEMBER
    ).select_related("cohort", "user")
    return alert_rules.with_alerts(_with_status(rows, F("cohort__reader_threshold"))).first()


def status_counts(*, cohort: Cohort) -> dict[str, int]:
    """How many members have each status: one aggregate over the counters."""
    conditions = status_conditions(cohort.reader_threshold)
    totals = Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER).aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=cond) for status, cond in conditions.items()},
    )
    counts = {status: totals[status] for status in conditions}
    counts[Status.INACTIVE] = totals["total"] - sum(counts.values())
    return {status: counts[status] for status in Status.values}


def _shown_name() -> Coalesce:
    """``User.shown_name`` in SQL: display name, else full name, else username."""
    full_name = Trim(Concat("user__first_name", Value(" "), "user__last_name"))
    return Coalesce(
        NullIf("user__display_name", Value("")), NullIf(full_name, Value("")), "user__username"
    )


# The participation shape of the public surface (docs/api.md; plus ``posted_after_nudge``):
# columns annotated by ``member_rows`` keep their names; these are renamed or computed.
_PAYLOAD_ANNOTATED = (
    "user_id",
    "status",
    "threads_read",
    "posts",
    "resource_views",
    "posted_after_nudge",
    "alerts",
    "reactions",
)


def _payload_renamed() -> dict:
    return {
        "username": F("user__username"),
        "display_name": _shown_name(),
        "last_seen": F("last_seen_at"),
        "nudged_at": F("last_nudged_at"),
    }


def _as_payload(rows: QuerySet[Membership]) -> QuerySet[dict]:
    """Rows in the participation shape as dicts."""
    return rows.values(*_PAYLOAD_ANNOTATED, **_payload_renamed())


class _JSONText(Func):
    """A JSON object written by PostgreSQL as text, one ``||`` per key and value: numbers and
    booleans by their text form, everything else (strings, timestamps, arrays) by ``to_json``,
    which escapes strings and writes timestamps in ISO 8601 (UTC, the connection's time zone),
    as the live events do.

    ``json_build_object`` gives the same object but looks up how to write each of its
    arguments on every row: for 1,100 members, 12 keys each, that was a third of the query's
    time (measured in docs/benchmarks.md). Its output also has a space on each side of every
    colon and after every comma, 12% of the response.
    """

    output_field = TextField()
    _PLAIN = frozenset(
        {"IntegerField", "PositiveIntegerField", "BigIntegerField", "SmallIntegerField",
         "PositiveSmallIntegerField", "AutoField", "BigAutoField", "BooleanField"}
    )  # fmt: skip

    def __init__(self, **fields):
        self.keys = list(fields)
        super().__init__(*fields.values())

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for index, (key, expression) in enumerate(
            zip(self.keys, self.get_source_expressions(), strict=True)
        ):
            sql, value_params = compiler.compile(expression)
            field = expression.output_field
            field = field.target_field if field.is_relation else field
            plain = field.get_internal_type() in self._PLAIN
            value = f"({sql})::text" if plain else f"to_json({sql})::text"
            parts.append(f"%s || COALESCE({value}, 'null')")
            params.append(("{" if index == 0 else ",") + json.dumps(key) + ":")
            params.extend(value_params)
        return "(" + " || ".join(parts) + " || '}')", params


def _as_json(rows: QuerySet[Membership]) -> QuerySet[dict]:
    """Rows in the participation shape, each already a JSON object written by PostgreSQL.

    At 1,100 members, parsing two timestamps a row into Python and encoding them again costs
    more than the query itself.
    """
    shape = _JSONText(**{name: F(name) for name in _PAYLOAD_ANNOTATED}, **_payload_renamed())
    return rows.values("status", member_json=shape)


# Up to 20,000: a large cohort (11,000 members) in one response, its body written by
# PostgreSQL (``member_json_page``); the default page stays at 2,000.
PARTICIPATION_PAGE = PageSize(default=2000, maximum=20000)


@dataclass(frozen=True)
class MembersJson:
    # The members of the page as one text: JSON objects separated by commas, in order.
    members: str
    next_cursor: str | None
    # Members per status for the whole cohort when the page is the whole cohort (unfiltered,
    # first and last page): counted from the rows rather than by another query. Else None.
    counts: dict[str, int] | None
    # The cohort's nudge conversion (``nudge_conversion``), read in the same query.
    conversion: Conversion


_ROW = "_page_row"

# One row for the whole page, written by PostgreSQL in one pass over the page's rows: the
# members' JSON objects joined in order, how many rows there were (one more than the page:
# there is a next page), the statuses counted, the nudge conversion, and the last row's sort
# keys (the next page's cursor). (A materialised CTE read four times cost 1.5 ms of 9 at 1,100.)
_PAGE_SQL = """
SELECT
    string_agg(member_json, ',' ORDER BY {row}) FILTER (WHERE {row} <= %s),
    count(*),
    json_build_object({tally}),
    {conversion},
    {keys}
FROM ({inner}) AS page
"""


# Compiling the page's query (statuses, three alerts, the JSON shape, the keyset) costs the ORM
# about as much as PostgreSQL takes to run it for 1,100 members; its text only changes with the
# request's shape and the cohort's settings. Compiled once per shape (and per alert week), the
# two parameters that follow the clock ("quiet since", "enrolled before") are replaced on reuse.
_COMPILED: OrderedDict[tuple, tuple[str, list, dict[int, timedelta], Keyed]] = OrderedDict()
_COMPILED_KEEP = 256
_COMPILED_LOCK = threading.Lock()


def _page_query(
    *,
    cohort: Cohort,
    status: str | None,
    order: str | None,
    alert: str | None,
    limit: int,
    cursor: str | None,
    flag: str | None,
    now: datetime,
) -> tuple[str, list, Keyed]:
    key = (
        cohort.pk,
        cohort.reader_threshold,
        cohort.quiet_days,
        cohort.never_started_days,
        status,
        order,
        alert,
        flag,
        limit,
        cursor,
        alert_rules.Windows.at(now),
    )
    with _COMPILED_LOCK:
        found = _COMPILED.get(key)
        if found is not None:
            _COMPILED.move_to_end(key)
    if found is not None:
        sql, params, moving, keyed = found
        params = list(params)
        for index, days in moving.items():
            params[index] = now - days
        return sql, params, keyed
    rows = member_rows(cohort=cohort, status=status, order=order, alert=alert, flag=flag, now=now)
    keyed = keyset_queryset(_as_json(rows), order=_ordering(order), cursor=cursor)
    numbered = keyed.queryset.annotate(
        **{_ROW: Window(RowNumber(), order_by=keyed.ordering)}
    ).values("status", "member_json", _ROW, *keyed.aliases)[: limit + 1]
    inner, params = numbered.query.sql_with_params()
    quoted = [connection.ops.quote_name(alias) for alias in keyed.aliases]
    conversion, conversion_params = _conversion_query(cohort).query.sql_with_params()
    row = connection.ops.quote_name(_ROW)
    sql = _PAGE_SQL.format(
        inner=inner,
        row=row,
        tally=", ".join(
            f"%s::text, count(*) FILTER (WHERE {row} <= %s AND status = %s)" for _ in Status.values
        ),
        keys=", ".join(f"(array_agg({q}) FILTER (WHERE {row} = %s))[1]" for q in quoted),
        conversion=f"({conversion})",
    )
    tally_params = [p for value in Status.values for p in (value, limit, value)]
    params = [limit, *tally_params, *conversion_params, *[limit] * len(quoted), *params]
    # The parameters that are ``now`` minus a cohort's setting (``alerts._days_ago``).
    clock = {
        now - timedelta(days=days): timedelta(days=days)
        for days in (cohort.quiet_days, cohort.never_started_days)
    }
    moving = {i: clock[p] for i, p in enumerate(params) if isinstance(p, datetime) and p in clock}
    with _COMPILED_LOCK:
        _COMPILED[key] = (sql, params, moving, keyed)
        while len(_COMPILED) > _COMPILED_KEEP:
            _COMPILED.popitem(last=False)
    return sql, params, keyed


def member_json_page(
    *,
    cohort: Cohort,
    status: str | None = None,
    order: str | None = None,
    alert: str | None = None,
    limit: int = PARTICIPATION_PAGE.default,
    cursor: str | None = None,
    flag: str | None = None,
    now: datetime | None = None,
) -> MembersJson:
    """One page of members in the participation shape, JSON text written by PostgreSQL,
    filtered and sorted in SQL: one query whatever the cohort's size (the cursor is tied to the
    sort it was made for), and no Python object per member. For the JSON API, which splices
    the text into its response.

    At 1,100 members a dict per row, and compiling the query, each cost the ORM about as much
    as the query itself; here the page (with the statuses' tally and the next cursor's keys)
    comes back as one row, from a query compiled once per shape (``_page_query``).
    """
    sql, params, keyed = _page_query(
        cohort=cohort,
        status=status,
        order=order,
        alert=alert,
        limit=limit,
        cursor=cursor,
        flag=flag,
        now=now or timezone.now(),
    )
    with connection.cursor() as db:
        # The planner counts the alerts' fallback subqueries (rarely run: the stored sums are
        # current) once per row, and from about 2,000 members decides to JIT-compile the query:
        # 2.2 s of compiling for a query that runs in 0.2 s (11,000 members). Off for this
        # query only: the two statements go as one message, one implicit transaction.
        db.execute(f"SET LOCAL jit = off; {sql}", params)
        db.cursor.nextset()
        members, total, tally, conversion, *last_keys = db.fetchone()
    # Django reads json and jsonb as text (it decodes them itself, per field).
    tally = json.loads(tally) if isinstance(tally, str) else tally
    conversion = json.loads(conversion) if isinstance(conversion, str) else conversion
    conversion = conversion or {"sent": 0, "nudged": 0, "converted": 0}  # no nudge yet
    next_cursor = keyed.cursor_after(last_keys) if total > limit else None
    counts = None
    if status is None and alert is None and flag is None and cursor is None and not next_cursor:
        counts = {value: (tally or {}).get(value, 0) for value in Status.values}
    return MembersJson(
        members=members or "",
        next_cursor=next_cursor,
        counts=counts,
        conversion=Conversion(
            nudged_members=conversion["nudged"],
            converted_members=conversion["converted"],
            nudges_sent=conversion["sent"],
        ),
    )


def member_json_chunks(
    *,
    cohort: Cohort,
    status: str | None = None,
    order: str | None = None,
    alert: str | None = None,
    flag: str | None = None,
    now: datetime | None = None,
    chunk: int | None = None,
) -> Iterator[tuple[str, Counter]]:
    """Every member (filtered and sorted as ``member_json_page``), ``chunk`` at a time from a
    server-side cursor: each step is the chunk's JSON objects joined by commas (written by
    PostgreSQL, as for a page) and its members per status. For the streamed API response: a
    cohort of 11,000 is one response, never held whole."""
    rows = member_rows(
        cohort=cohort, status=status, order=order, alert=alert, flag=flag, now=now or timezone.now()
    )
    sql, params = _as_json(rows).query.sql_with_params()
    # As for a page, the planner would JIT-compile this query from a few thousand members.
    for part in stream_rows(sql, params, chunk=chunk or STREAM_CHUNK, jit=False):
        yield ",".join(member for _, member in part), Counter(status for status, _ in part)


def member_rows_page(
    *,
    cohort: Cohort,
    status: str | None = None,
    order: str | None = None,
    alert: str | None = None,
    limit: int = PARTICIPATION_PAGE.default,
    cursor: str | None = None,
    flag: str | None = None,
) -> Page[Membership]:
    """One page of member rows (model instances) for the dashboard."""
    rows = member_rows(cohort=cohort, status=status, order=order, alert=alert, flag=flag)
    return keyset_page(rows, order=_ordering(order), limit=limit, cursor=cursor)


def alert_counts(*, cohort: Cohort) -> dict[str, int]:
    """How many members carry each alert: one aggregate over the annotated rows."""
    rows = member_rows(cohort=cohort).order_by()
    return rows.aggregate(
        **{code: Count("pk", filter=alert_rules.alert_filter(code)) for code in alert_rules.ALL}
    )


@dataclass(frozen=True)
class Conversion:
    nudged_members: int
    converted_members: int
    nudges_sent: int

    @property
    def rate(self) -> float | None:
        if not self.nudged_members:
            return None
        return self.converted_members / self.nudged_members


def _conversion_query(cohort: Cohort) -> QuerySet:
    """The conversion's three numbers as one JSON object (one row)."""
    return (
        Nudge.objects.filter(cohort=cohort)
        .order_by()
        .values("cohort")
        .annotate(
            totals=JSONObject(
                sent=Count("pk"),
                nudged=Count("member", distinct=True),
                converted=Count("member", distinct=True, filter=Q(converted_at__isnull=False)),
            )
        )
        .values("totals")
    )


def nudge_conversion(*, cohort: Cohort) -> Conversion:
    """Of the members nudged, how many posted (and kept the post) after a nudge."""
    totals = Nudge.objects.filter(cohort=cohort).aggregate(
        sent=Count("pk"),
        nudged=Count("member", distinct=True),
        converted=Count("member", distinct=True, filter=Q(converted_at__isnull=False)),
    )
    return Conversion(
        nudged_members=totals["nudged"],
        converted_members=totals["converted"],
        nudges_sent=totals["sent"],
    )


def recent_nudges(*, cohort: Cohort, limit: int = 50) -> list[Nudge]:
    """Who was nudged when, by whom, and whether they posted afterwards (newest first)."""
    return list(
        Nudge.objects.filter(cohort=cohort)
        .select_related("member", "tutor", "thread")
        .order_by("-created_at", "-pk")[:limit]
    )


def week_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def weekly_trend(
    *, cohort: Cohort, weeks: int = 12, now: datetime | None = None
) -> list[WeekPoint]:
    """Reads against posts per week for the cohort's members over the last ``weeks`` weeks.

    The only read of the events on the dashboard; bounded by time so it uses the
    (cohort, created_at) indexes and stays the same size however long the module runs.
    Tutors' reads and posts are left out: the trend is about the members.
    """
    since = week_start(now or timezone.now()) - timedelta(weeks=weeks - 1)
    tutor_ids = tutor_memberships(cohort).values("user_id")

    def per_week(queryset) -> dict:
        rows = (
            queryset.filter(cohort=cohort, created_at__gte=since)
            .exclude(**{"author_id__in" if queryset.model is Post else "user_id__in": tutor_ids})
            .annotate(week=TruncWeek("created_at"))
            .values("week")
            .annotate(n=Count("pk"))
        )
        return {timezone.localtime(row["week"]).date(): row["n"] for row in rows}

    reads = per_week(ReadEvent.objects.all())
    posts = per_week(Post.objects.live())
    first = since.date()
    return [
        WeekPoint(
            week=first + timedelta(weeks=i),
            reads=reads.get(first + timedelta(weeks=i), 0),
            posts=posts.get(first + timedelta(weeks=i), 0),
        )
        for i in range(weeks)
    ]


# --- The participation table as CSV (the dashboard's download, the cohort's records) --------
CSV_COLUMNS = [
    "username",
    "display_name",
    "status",
    "threads_read",
    "posts",
    "resource_views",
    "last_seen",
    "nudged_at",
    "posted_after_nudge",
    "alerts",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def participation_csv_lines(rows: QuerySet[Membership]) -> Iterator[str]:
    """``member_rows`` as CSV, the BOM and header first (Excel reads the file as UTF-8 only
    with one, "Zoë" not "ZoÃ«"), then the lines of a chunk of members at a time: the same
    server-side cursor read as the API's streamed members (``stream_rows``), plain values per
    row rather than model instances."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(CSV_COLUMNS)
    values = rows.annotate(_csv_name=_shown_name()).values_list(
        "user__username",
        "_csv_name",
        "status",
        "threads_read",
        "posts",
        "resource_views",
        "last_seen_at",
        "last_nudged_at",
        "posted_after_nudge",
        "alerts",
    )
    sql, params = values.query.sql_with_params()
    for part in stream_rows(sql, params, chunk=STREAM_CHUNK, jit=False):
        yield "".join(
            writer.writerow(
                [
                    *(csv_cell(value) for value in row[:8]),
                    "yes" if row[8] else "no",
                    csv_cell("; ".join(row[9] or ())),
                ]
            )
            for row in part
        )
