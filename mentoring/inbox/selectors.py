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

Pages: the inbox is ordered by (``since``, kind, thread, post). A page asks each kind for its
first ``limit + 1`` items after the cursor in that order and merges them, so a page is three
bounded queries however much waits, and an item that arrives or leaves meanwhile neither
repeats nor pushes another off a page boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from mentoring.core.pagination import Page, PageSize, bad_cursor, decode_cursor, encode_cursor
from mentoring.models import Board, Cohort, Post, PostFlag, Thread, User
from mentoring.rules.permissions import is_tutor, tutor_memberships
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
INBOX_PAGE = PageSize(default=100, maximum=500)
_CURSOR_SCOPE = "inbox"


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

    @property
    def key(self) -> InboxKey:
        return InboxKey(self.since, self.kind, self.thread_id, self.post_id or 0)


@dataclass(frozen=True, order=True)
class InboxKey:
    """An item's place in the inbox's order (``post_id`` 0 for a thread)."""

    since: datetime
    kind: str
    thread_id: int
    post_id: int

    def encode(self) -> str:
        values = [self.since, self.kind, self.thread_id, self.post_id]
        return encode_cursor(values, _CURSOR_SCOPE)

    @classmethod
    def decode(cls, cursor: str) -> InboxKey:
        since, kind, thread_id, post_id = decode_cursor(cursor, _CURSOR_SCOPE, 4)
        try:
            moment = datetime.fromisoformat(since)
            if moment.tzinfo is None:
                raise ValueError("not a time we handed out")
            moment = moment.astimezone(UTC)
        except (TypeError, ValueError, OverflowError):  # not ours, or past year 9999 in UTC
            raise bad_cursor() from None
        numbers_ok = all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**63
            for n in (thread_id, post_id)
        )
        if kind not in KINDS or not numbers_ok:
            raise bad_cursor()
        return cls(moment, kind, thread_id, post_id)

    def after(self, kind: str, *, since: str, thread: str, post: str | None = None) -> Q:
        """Rows of ``kind`` (their fields named ``since``, ``thread``, ``post``) that come after
        this key in the inbox's order."""
        if kind != self.kind:
            # Same moment: the kinds' alphabetical order decides.
            return Q(**{f"{since}__{'gte' if kind > self.kind else 'gt'}": self.since})
        tie = Q(**{f"{thread}__gt": self.thread_id})
        if post is not None:
            tie |= Q(**{thread: self.thread_id, f"{post}__gt": self.post_id})
        return Q(**{f"{since}__gt": self.since}) | (Q(**{since: self.since}) & tie)


def _window(rows: QuerySet, kind: str, after: InboxKey | None, limit: int | None, **fields):
    """``rows`` after the cursor, in the inbox's order, at most ``limit`` of them."""
    if after is not None:
        rows = rows.filter(after.after(kind, **fields))
    order = [fields["since"], fields["thread"]] + ([fields["post"]] if "post" in fields else [])
    rows = rows.order_by(*order)
    return rows if limit is None else rows[:limit]


def inbox_cohort(*, user: User, cohort_id: int) -> Cohort | None:
    """The cohort if ``user`` tutors it, else None (members and strangers get a 404)."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None or not is_tutor(user, cohort):
        return None
    return cohort


def _tutor_ids(cohort: Cohort):
    return tutor_memberships(cohort).values("user_id")


def _questions(cohort: Cohort, after: InboxKey | None, limit: int | None) -> list[InboxItem]:
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
    )
    # The first waiting post of each thread, then the page's window of those.
    firsts = Post.objects.filter(pk__in=waiting.values("pk")).select_related("thread", "author")
    rows = _window(
        firsts, QUESTION, after, limit, since="created_at", thread="thread_id", post="id"
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
        for post in rows
    ]


def _flags(cohort: Cohort, after: InboxKey | None, limit: int | None) -> list[InboxItem]:
    open_flags = (
        PostFlag.objects.filter(
            resolved_at__isnull=True, post__cohort=cohort, post__retracted_at__isnull=True
        )
        .order_by()
        .values("post_id", "post__thread_id", "post__thread__title", "post__author_id")
        .annotate(since=Min("created_at"), flags=Count("pk"))
    )
    window = _window(
        open_flags, FLAG, after, limit, since="since", thread="post__thread_id", post="post_id"
    )
    rows = list(window)
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


def _unanswered(
    cohort: Cohort, now: datetime, after: InboxKey | None, limit: int | None
) -> list[InboxItem]:
    threads = unanswered_threads(cohort=cohort, now=now).select_related("author")
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
        for thread in _window(threads, UNANSWERED, after, limit, since="created_at", thread="id")
    ]


def _merged(
    cohort: Cohort, now: datetime, after: InboxKey | None, limit: int | None
) -> list[InboxItem]:
    items = (
        _questions(cohort, after, limit)
        + _flags(cohort, after, limit)
        + _unanswered(cohort, now, after, limit)
    )
    items.sort(key=lambda item: item.key)
    return items if limit is None else items[:limit]


def cohort_inbox(*, cohort: Cohort, now: datetime | None = None) -> list[InboxItem]:
    """Everything waiting for the cohort's tutors, oldest first (the digest, the count): three
    queries (four with flags' authors)."""
    return _merged(cohort, now or timezone.now(), None, None)


def inbox_page(
    *,
    cohort: Cohort,
    now: datetime | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[InboxItem]:
    """One page of the inbox after ``cursor``, oldest first (``limit`` defaults to the page
    size): three bounded queries (four with flags' authors) however much waits."""
    limit = limit or INBOX_PAGE.default
    after = InboxKey.decode(cursor) if cursor else None
    items = _merged(cohort, now or timezone.now(), after, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return Page(items=items, next_cursor=items[-1].key.encode() if more else None)


def inbox_count(*, cohort: Cohort, now: datetime | None = None) -> int:
    return len(cohort_inbox(cohort=cohort, now=now))
