"""What waits for a tutor now, per cohort: the inbox.

Three kinds of item, oldest first:

- ``question``: a member's post on "Ask a tutor" (a new thread or a reply) that no tutor has
  answered: no tutor post in the thread after it, and not dismissed since. ``since`` is the
  first such post, which is also the item's ``post_id``;
- ``flag``: a post with open flags (one item per post, since the first open flag);
- ``unanswered``: a member's thread elsewhere with no reply from anyone but its author for the
  cohort's ``unanswered_hours`` (default 48), not dismissed. ``since`` is when it was started.

Each kind is one set-based query, whatever the size of the cohort. The anonymous authors are
named here: the inbox is for the cohort's tutors only, who always see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from mentoring.models import Board, Cohort, Membership, Post, PostFlag, Thread, User
from mentoring.rules.permissions import is_tutor
from mentoring.rules.visibility import author_name_for, thread_author_name

QUESTION = "question"
FLAG = "flag"
UNANSWERED = "unanswered"
KINDS = (QUESTION, FLAG, UNANSWERED)
LABELS = {
    QUESTION: "Private question",
    FLAG: "Flagged post",
    UNANSWERED: "No reply yet",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class InboxItem:
    kind: str
    cohort_id: int
    thread_id: int
    post_id: int | None
    since: datetime
    title: str
    author: str
    detail: str = ""

    def waited(self, now: datetime | None = None) -> timedelta:
        return (now or timezone.now()) - self.since

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def inbox_cohort(*, user: User, cohort_id: int) -> Cohort | None:
    """The cohort if ``user`` tutors it, else None (members and strangers get a 404)."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None or not is_tutor(user, cohort):
        return None
    return cohort


def _tutor_ids(cohort: Cohort):
    return Membership.objects.filter(cohort=cohort, role=Membership.Role.TUTOR).values("user_id")


def _questions(cohort: Cohort) -> list[InboxItem]:
    tutors = _tutor_ids(cohort)
    last_tutor_post = (
        Post.objects.filter(thread=OuterRef("thread_id"), author_id__in=tutors)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    # PostgreSQL's GREATEST ignores NULLs; with neither an answer nor a dismissal, the epoch.
    answered_until = Coalesce(
        Greatest(Subquery(last_tutor_post), F("thread__inbox_dismissed_at")), Value(EPOCH)
    )
    waiting = (
        Post.objects.live()
        .filter(
            cohort=cohort,
            thread__board__kind=Board.Kind.PRIVATE,
            thread__state=Thread.State.PUBLISHED,
        )
        .exclude(author_id__in=tutors)
        .alias(answered_until=answered_until)
        .filter(created_at__gt=F("answered_until"))
        .order_by("thread_id", "created_at", "id")
        .distinct("thread_id")
        .select_related("thread", "author")
    )
    return [
        InboxItem(
            kind=QUESTION,
            cohort_id=cohort.pk,
            thread_id=post.thread_id,
            post_id=post.pk,
            since=post.created_at,
            title=post.thread.title,
            author=author_name_for(post, viewer=None, viewer_is_tutor=True),
        )
        for post in waiting
    ]


def _flags(cohort: Cohort) -> list[InboxItem]:
    open_flags = (
        PostFlag.objects.filter(
            resolved_at__isnull=True, post__cohort=cohort, post__retracted_at__isnull=True
        )
        .order_by()
        .values("post_id", "post__thread_id", "post__thread__title", "post__author_id")
        .annotate(since=Min("created_at"), flags=Count("pk"))
    )
    rows = list(open_flags)
    authors = User.objects.in_bulk({row["post__author_id"] for row in rows})
    return [
        InboxItem(
            kind=FLAG,
            cohort_id=cohort.pk,
            thread_id=row["post__thread_id"],
            post_id=row["post_id"],
            since=row["since"],
            title=row["post__thread__title"],
            author=authors[row["post__author_id"]].shown_name,
            detail=f"flagged by {row['flags']} member{'s' if row['flags'] != 1 else ''}",
        )
        for row in rows
    ]


def unanswered_threads(*, cohort: Cohort, now: datetime | None = None):
    """Members' published threads, outside "Ask a tutor", with no post by anyone but their
    author for the cohort's ``unanswered_hours``, and not dismissed."""
    cutoff = (now or timezone.now()) - timedelta(hours=cohort.unanswered_hours)
    replied = Post.objects.filter(thread=OuterRef("pk")).exclude(author=OuterRef("author"))
    return (
        Thread.objects.filter(
            cohort=cohort,
            state=Thread.State.PUBLISHED,
            inbox_dismissed_at__isnull=True,
            created_at__lte=cutoff,
        )
        .exclude(board__kind=Board.Kind.PRIVATE)
        .exclude(author_id__in=_tutor_ids(cohort))
        .filter(~Exists(replied), Exists(Post.objects.live().filter(thread=OuterRef("pk"))))
    )


def _unanswered(cohort: Cohort, now: datetime) -> list[InboxItem]:
    return [
        InboxItem(
            kind=UNANSWERED,
            cohort_id=cohort.pk,
            thread_id=thread.pk,
            post_id=None,
            since=thread.created_at,
            title=thread.title,
            author=thread_author_name(thread, viewer=None, viewer_is_tutor=True),
        )
        for thread in unanswered_threads(cohort=cohort, now=now).select_related("author")
    ]


def cohort_inbox(*, cohort: Cohort, now: datetime | None = None) -> list[InboxItem]:
    """Everything waiting for the cohort's tutors, oldest first: three queries (four with
    flags' authors)."""
    now = now or timezone.now()
    items = _questions(cohort) + _flags(cohort) + _unanswered(cohort, now)
    return sorted(items, key=lambda item: (item.since, item.kind, item.thread_id))


def inbox_count(*, cohort: Cohort, now: datetime | None = None) -> int:
    return len(cohort_inbox(cohort=cohort, now=now))


def inbox_counts(*, user: User, cohorts: list[Cohort]) -> dict[int, int]:
    """Inbox sizes for the cohorts ``user`` tutors (the home page)."""
    return {c.pk: inbox_count(cohort=c) for c in cohorts if is_tutor(user, c)}
