"""Participation and nudges: the tutors' dashboard as JSON (the public surface, docs/api.md)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from mentoring.core.api import CURSOR_QUERY_DESCRIPTION, api_fields, found, limit_query
from mentoring.core.errors import Invalid
from mentoring.core.pagination import CURSOR_PARAM, LIMIT_PARAM, link_header, page_url
from mentoring.core.streaming import async_chunks
from mentoring.participation.schemas import ParticipantOut
from mentoring.participation.selectors import alerts as alert_rules
from mentoring.participation.selectors.rows import (
    FLAGS,
    PARTICIPATION_PAGE,
    Status,
    member_json_chunks,
    member_json_page,
    nudge_conversion,
    status_counts,
    tutored_cohort,
)
from mentoring.participation.services.counters import refresh_alert_windows
from mentoring.participation.services.nudges import NUDGE_COOLDOWN, nudge_members

router = Router(tags=["participation"])
JSON = "application/json"


class ConversionOut(Schema):
    nudged_members: int
    converted_members: int
    nudges_sent: int
    rate: float | None = Field(description="converted_members / nudged_members, or null.")


class ParticipationOut(Schema):
    cohort_id: int
    reader_threshold: int
    counts: dict[str, int]
    members: list[ParticipantOut]
    next: str | None = Field(description="The next page of members' URL, or null.")
    conversion: ConversionOut


class NudgeIn(Schema):
    user_ids: list[int] = Field(..., min_length=1)
    message: str | None = Field(
        None,
        max_length=5000,
        description="Placeholders {name}, {cohort}, {thread}, {thread_url}. "
        "Omitted: the cohort's nudge template.",
    )
    thread_id: int | None = Field(None, description="A thread to invite the members to answer.")
    override_cooldown: bool = Field(
        False,
        description=f"Nudge members again even if nudged in the last {NUDGE_COOLDOWN.days} days.",
    )


class NudgedOut(Schema):
    nudge_id: int
    user_id: int
    username: str
    nudged_at: datetime
    message: str


class SkippedOut(Schema):
    user_id: int
    username: str
    nudged_at: datetime | None


class NudgesOut(Schema):
    nudged: list[NudgedOut]
    skipped: list[SkippedOut]


@router.get("/cohorts/{cohort_id}/participation", response=ParticipationOut)
def participation(
    request,
    cohort_id: int,
    status: str | None = None,
    sort: str | None = None,
    alert: str | None = None,
    flag: str | None = None,
    limit: int = limit_query(PARTICIPATION_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
    every: bool = Query(
        False,
        alias="all",
        description="Every member in one streamed response (no limit or cursor; next is null).",
    ),
):
    """Members' status, counters and alerts, a page at a time, with counts per status (tutors
    only).

    ``status``, ``alert`` and ``flag`` (``reacts``: reacts but has not posted) filter the
    members (counts stay for the whole cohort); ``sort``
    is a column name, with ``-`` for descending. ``next`` (and ``Link: rel="next"``) is the
    next page. ``all=true``: every member, streamed as they are read (same shape, ``next``
    null).
    """
    cohort = found(tutored_cohort(user=request.auth, cohort_id=cohort_id))
    if every and (LIMIT_PARAM in request.GET or CURSOR_PARAM in request.GET):
        raise Invalid("all_not_paged", "all=true answers every member: leave out limit and cursor.")
    refresh_alert_windows(cohort_ids=[cohort.pk])  # a no-op after the week's first read
    wanted = status if status in Status.values else None
    wanted_alert = alert if alert in alert_rules.ALL else None
    wanted_flag = flag if flag in FLAGS else None
    if every:
        parts = _every_member(
            cohort, status=wanted, order=sort, alert=wanted_alert, flag=wanted_flag
        )
        # Under ASGI an asynchronous iterator is sent chunk by chunk (a synchronous one would
        # be read whole first); the test client and WSGI read the generator as it is.
        content = async_chunks(parts) if isinstance(request, ASGIRequest) else parts
        return StreamingHttpResponse(content, content_type=JSON)
    members = member_json_page(
        cohort=cohort,
        status=wanted,
        order=sort,
        alert=wanted_alert,
        flag=wanted_flag,
        limit=PARTICIPATION_PAGE.parse(limit),
        cursor=cursor,
    )
    next_url = page_url(request, members.next_cursor)
    conversion = members.conversion
    head = {
        "cohort_id": cohort.pk,
        "reader_threshold": cohort.reader_threshold,
        "counts": members.counts or status_counts(cohort=cohort),
        "next": next_url,
        "conversion": {
            "nudged_members": conversion.nudged_members,
            "converted_members": conversion.converted_members,
            "nudges_sent": conversion.nudges_sent,
            "rate": conversion.rate,
        },
    }
    # The members arrive as one text of JSON objects written by PostgreSQL (see
    # member_json_page) and are spliced in rather than parsed and re-encoded: for 1,100 members
    # that is most of the time. The schema above still documents the shape;
    # tests/api/test_participation_api.py checks it.
    body = json.dumps(head, cls=DjangoJSONEncoder)[:-1] + ',"members":[' + members.members
    return HttpResponse(
        body + "]}",
        content_type=JSON,
        headers=link_header(next_url),
    )


def _every_member(
    cohort, *, status: str | None, order: str | None, alert: str | None, flag: str | None
) -> Iterator[str]:
    """The participation object with every member, in parts: the head, the members a chunk
    at a time as PostgreSQL writes them, then ``counts`` (tallied from the rows when they are
    the whole cohort, else counted) and ``next`` (null). Nothing is read before the response
    starts; the members are never all in memory."""
    conversion = nudge_conversion(cohort=cohort)
    head = {
        "cohort_id": cohort.pk,
        "reader_threshold": cohort.reader_threshold,
        "conversion": {
            "nudged_members": conversion.nudged_members,
            "converted_members": conversion.converted_members,
            "nudges_sent": conversion.nudges_sent,
            "rate": conversion.rate,
        },
    }
    yield json.dumps(head, cls=DjangoJSONEncoder)[:-1] + ',"members":['
    tally: Counter = Counter()
    separator = ""
    for members, statuses in member_json_chunks(
        cohort=cohort, status=status, order=order, alert=alert, flag=flag
    ):
        yield separator + members
        separator = ","
        tally.update(statuses)
    if status is None and alert is None and flag is None:
        counts = {value: tally.get(value, 0) for value in Status.values}
    else:
        counts = status_counts(cohort=cohort)
    yield '],"counts":' + json.dumps(counts) + ',"next":null}'


@router.post("/cohorts/{cohort_id}/nudges", response={201: NudgesOut})
def nudge(request, cohort_id: int, data: NudgeIn):
    """Nudge members: each gets a notification. Non-members → 400 and nobody is nudged."""
    cohort = found(tutored_cohort(user=request.auth, cohort_id=cohort_id))
    with api_fields({"thread": "thread_id"}):
        outcome = nudge_members(
            cohort=cohort,
            tutor=request.auth,
            user_ids=data.user_ids,
            message=data.message,
            thread=data.thread_id,
            override_cooldown=data.override_cooldown,
        )
    return 201, {
        "nudged": [
            {
                "nudge_id": n.pk,
                "user_id": n.member_id,
                "username": n.member.username,
                "nudged_at": n.created_at,
                "message": n.message,
            }
            for n in outcome.nudges
        ],
        "skipped": [
            {"user_id": m.user_id, "username": m.user.username, "nudged_at": m.last_nudged_at}
            for m in outcome.skipped
        ],
    }
