"""The tutor inbox as JSON (the public surface, docs/api.md: ``GET /api/v1/cohorts/{id}/inbox``)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from mentoring.core.api import CURSOR_QUERY_DESCRIPTION, found, limit_query
from mentoring.core.errors import Invalid
from mentoring.core.pagination import link_header, page_url
from mentoring.inbox import selectors
from mentoring.inbox.services import inbox as services

router = Router(tags=["inbox"])


class InboxItemOut(Schema):
    kind: str = Field(description="question, flag or unanswered")
    thread_id: int
    post_id: int | None = Field(description="The waiting or flagged post; null for a thread.")
    since: datetime = Field(description="Since when it has waited.")
    waited_seconds: int
    title: str
    author: str = Field(description="Who wrote it (tutors always see the author).")
    detail: str
    url: str


class DismissIn(Schema):
    kind: str = Field(description="question, flag or unanswered", max_length=20)
    thread_id: int = Field(..., ge=1, le=2**31 - 1)
    post_id: int | None = Field(None, ge=1, le=2**31 - 1)


def item_out(item: selectors.InboxItem, now: datetime) -> dict:
    url = reverse("thread", kwargs={"thread_id": item.thread_id})
    return {
        "kind": item.kind,
        "thread_id": item.thread_id,
        "post_id": item.post_id,
        "since": item.since,
        "waited_seconds": int(item.waited(now).total_seconds()),
        "title": item.title,
        "author": item.author,
        "detail": item.detail,
        "url": f"{url}#post-{item.post_id}" if item.post_id else url,
    }


@router.get("/cohorts/{cohort_id}/inbox", response=list[InboxItemOut], url_name="cohort_inbox")
def inbox(
    request: HttpRequest,
    response: HttpResponse,
    cohort_id: int,
    limit: int = limit_query(selectors.INBOX_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
):
    """What waits for a tutor now, oldest first (the cohort's tutors only), a page at a time:
    the next page's URL is in ``Link: rel="next"``."""
    cohort = found(selectors.inbox_cohort(user=request.auth, cohort_id=cohort_id))
    now = timezone.now()
    page = selectors.inbox_page(
        cohort=cohort, now=now, limit=selectors.INBOX_PAGE.parse(limit), cursor=cursor
    )
    for name, value in link_header(page_url(request, page.next_cursor)).items():
        response[name] = value
    return [item_out(item, now) for item in page.items]


@router.post("/cohorts/{cohort_id}/inbox/dismissals", response={204: None})
def dismiss(request: HttpRequest, cohort_id: int, data: DismissIn):
    """Take an item out of the inbox without answering: a question or unanswered thread is
    dismissed (a member's later post on "Ask a tutor" brings it back); a flag is resolved."""
    cohort = found(selectors.inbox_cohort(user=request.auth, cohort_id=cohort_id))
    if data.kind not in selectors.KINDS:
        raise Invalid("invalid", "kind must be question, flag or unanswered.")
    services.dismiss(
        cohort=cohort,
        kind=data.kind,
        thread_id=data.thread_id,
        post_id=data.post_id,
        by=request.auth,
    )
    return 204, None
