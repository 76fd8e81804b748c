"""Boards, threads and posts as a given user may see them.

Who sees what: members and tutors of a cohort see its boards (a restricted scenario board only
its group and the tutors); on "ask a tutor" a member sees only the threads they started; a post
written anonymously to peers shows "a member of this cohort" to everyone but its author and the
tutors; a hidden post's text is for tutors only. Pages and the API both read through here.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower, NullIf, Trim
from django.utils import timezone

from mentoring.core.pagination import Page, PageSize, keyset_page
from mentoring.core.privacy import Provider
from mentoring.core.rendering import excerpt, normalise_tag, plain_text
from mentoring.core.uploads import type_label
from mentoring.models import (
    Board,
    Cohort,
    Draft,
    Membership,
    Post,
    PostAttachment,
    PostFlag,
    Reaction,
    Subscription,
    Thread,
    ThreadReadState,
    User,
)
from mentoring.rules.permissions import can_view_cohort, cohort_is_writable, is_tutor, prime_roles
from mentoring.rules.search import SEARCH_CONFIG
from mentoring.rules.visibility import (
    anonymous_writers,
    author_name_for,
    author_visible,
    board_visible_to,
    board_writable,
    boards_visible_q,
    post_text_visible,
    reactor_visible,
    thread_audience_q,
    thread_author_name,
    thread_author_visible,
    thread_visible_to,
    threads_visible_q,
)


def visible_boards(*, user: User, cohort: Cohort) -> QuerySet[Board]:
    """Boards of ``cohort`` the user may open (``rules.visibility``: restricted ones only for
    their group or tutors; a board that has not opened yet only for tutors)."""
    if not can_view_cohort(user, cohort):
        return Board.objects.none()
    rule = boards_visible_q(user=user, viewer_is_tutor=is_tutor(user, cohort), now=timezone.now())
    return Board.objects.filter(Q(cohort=cohort) & rule).distinct().order_by("id")


def visible_board(*, user: User, board_id: int) -> Board | None:
    """The board if ``user`` may see it; sets ``viewer_is_tutor`` and ``writable`` on it."""
    board = Board.objects.select_related("cohort").filter(pk=board_id).first()
    if board is None or not can_view_cohort(user, board.cohort):
        return None
    tutor = is_tutor(user, board.cohort)
    now = timezone.now()
    if not board_visible_to(board, user=user, viewer_is_tutor=tutor, now=now):
        return None
    board.viewer_is_tutor = tutor
    board.writable = board_writable(board, now=now) and cohort_is_writable(board.cohort)
    return board


def visible_threads(*, user: User, board: Board) -> QuerySet[Thread]:
    """Threads of a board the user may see: on "ask a tutor", only their own (tutors: all)."""
    tutor = getattr(board, "viewer_is_tutor", None)
    if tutor is None:
        tutor = is_tutor(user, board.cohort)
    return Thread.objects.filter(
        Q(board=board) & threads_visible_q(user=user, viewer_is_tutor=tutor)
    )


def visible_thread(*, user: User, thread_id: int) -> Thread | None:
    """The thread if ``user`` may see it, else None; sets ``viewer_is_tutor`` on it and
    ``writable`` on it and its board.

    Two permission checks whatever the board: the hot path of every thread page and post.
    """
    thread = Thread.objects.select_related("board", "cohort", "author").filter(pk=thread_id).first()
    if thread is None:
        return None
    return _thread_if_visible(thread, user=user, now=timezone.now())


def _thread_if_visible(thread: Thread, *, user: User, now: datetime) -> Thread | None:
    if not can_view_cohort(user, thread.cohort):
        return None
    tutor = is_tutor(user, thread.cohort)
    if not board_visible_to(thread.board, user=user, viewer_is_tutor=tutor, now=now):
        return None
    if not thread_visible_to(thread, user=user, viewer_is_tutor=tutor):
        return None
    thread.viewer_is_tutor = tutor
    thread.checked_for = user.pk  # a service given this thread need not read it again
    thread.board.cohort = thread.cohort
    thread.writable = thread.board.writable = board_writable(
        thread.board, now=now
    ) and cohort_is_writable(thread.cohort)
    return thread


def thread_access(pairs: list[tuple[User, int]]) -> dict[tuple[User, int], tuple[int, bool]]:
    """``visible_thread`` for many (user, thread id) pairs at once (sockets opening together):
    (the thread's cohort, whether the user tutors it) for each pair that may see it, in two
    queries whatever their number (a restricted board adds its own check)."""
    threads = Thread.objects.select_related("board", "cohort").in_bulk({t for _, t in pairs})
    prime_roles((user, threads[t].cohort_id) for user, t in pairs if t in threads)
    now = timezone.now()
    access = {}
    for user, thread_id in pairs:
        thread = threads.get(thread_id)
        if thread is not None and _thread_if_visible(thread, user=user, now=now) is not None:
            access[(user, thread_id)] = (thread.cohort_id, thread.viewer_is_tutor)
    return access


def board_access(pairs: list[tuple[User, int]]) -> dict[tuple[User, int], Board]:
    """``visible_board`` for many (user, board id) pairs at once: two queries."""
    boards = Board.objects.select_related("cohort").in_bulk({b for _, b in pairs})
    prime_roles((user, boards[b].cohort_id) for user, b in pairs if b in boards)
    now = timezone.now()
    access = {}
    for user, board_id in pairs:
        board = boards.get(board_id)
        if board is None or not can_view_cohort(user, board.cohort):
            continue
        tutor = is_tutor(user, board.cohort)
        if board_visible_to(board, user=user, viewer_is_tutor=tutor, now=now):
            access[(user, board_id)] = board
    return access


def cohort_threads(*, user: User, cohort: Cohort, tutor: bool | None = None) -> QuerySet[Thread]:
    """Every thread of a cohort the user may see, across its boards."""
    tutor = is_tutor(user, cohort) if tutor is None else tutor
    return Thread.objects.filter(
        Q(cohort=cohort, board__in=visible_boards(user=user, cohort=cohort).values("pk"))
        & threads_visible_q(user=user, viewer_is_tutor=tutor)
    )


def with_reading(threads: QuerySet[Thread], *, user: User) -> QuerySet[Thread]:
    """Annotate ``post_count`` and ``unread`` (posts by others since the user last read it)."""
    last_read = ThreadReadState.objects.filter(thread=OuterRef("pk"), user=user).values(
        "last_read_at"
    )[:1]
    live = Q(posts__retracted_at__isnull=True)
    return threads.annotate(
        my_last_read_at=Subquery(last_read),
        post_count=Count("posts", filter=live),
        unread=Count(
            "posts",
            filter=live
            & ~Q(posts__author=user)
            & (Q(my_last_read_at__isnull=True) | Q(posts__created_at__gt=F("my_last_read_at"))),
        ),
    )


# Pinned threads first (a tutor's pin), then newest activity. The pin is a 0/1 key so the
# keyset cursor stays exact across the boundary between pinned and unpinned threads, and
# pinned threads keep the board's own order among themselves.
PINNED_FIRST = Case(
    When(pinned_at__isnull=False, then=Value(1)), default=Value(0), output_field=IntegerField()
).desc()
THREAD_ORDER = (PINNED_FIRST, "-last_activity_at", "-id")
THREADS_PAGE = PageSize(default=50, maximum=200)


def board_threads(*, user: User, board: Board) -> QuerySet[Thread]:
    """A board's threads with unread counts, for its page or the API (page them in
    ``THREAD_ORDER``: pinned first, then newest activity; ``decorate_threads`` the page)."""
    threads = with_reading(visible_threads(user=user, board=board), user=user)
    return threads.select_related("author").order_by(*THREAD_ORDER)


def decorate_threads(threads: list[Thread], *, user: User, board: Board) -> list[Thread]:
    tutor = getattr(board, "viewer_is_tutor", None)
    if tutor is None:
        tutor = is_tutor(user, board.cohort)
    own_levels, board_levels = levels_in_cohort(user=user, cohort_id=board.cohort_id)
    for thread in threads:
        thread.shown_author = thread_author_name(thread, viewer=user, viewer_is_tutor=tutor)
        thread.author_visible = thread_author_visible(thread, viewer=user, viewer_is_tutor=tutor)
        level = own_levels.get(thread.pk) or board_levels.get(thread.board_id) or DEFAULT_LEVEL
        thread.following_level = level
        if level in QUIET_LEVELS:  # normal and muted threads show no unread count
            thread.unread = 0
    return threads


def board_threads_page(
    *, user: User, board: Board, limit: int, cursor: str | None = None
) -> Page[Thread]:
    """One page of a board's threads, pinned first, then newest activity: a fixed number of
    queries."""
    page = keyset_page(
        board_threads(user=user, board=board), order=THREAD_ORDER, limit=limit, cursor=cursor
    )
    decorate_threads(page.items, user=user, board=board)
    return page


# --- One thread -------------------------------------------------------------------------------
# The thread page is numbered (page 3 of 100) so a post keeps its page, "first unread" and a
# link to a post can name it, and the reader sees how far they are. Pages are positions in one
# thread's (created_at, id) index, bounded by the thread's length; every other list (the API's
# posts included) pages by keyset cursor.
POSTS_PER_PAGE = 30
POST_ORDER = ("created_at", "id")
POSTS_API_PAGE = PageSize(default=100, maximum=500)


@dataclass
class ThreadPage:
    """One page of a thread, its posts arranged one level deep and decorated for ``viewer``.

    A reply sits under its parent when both are on the page; otherwise it stands on its own
    and says what it answers (``reply_to_author``).
    """

    thread: Thread
    viewer: User
    viewer_is_tutor: bool
    posts: list[Post]  # this page's, in order of writing, replies included
    top_level: list[Post] = field(default_factory=list)
    previous_read_at: datetime | None = None
    now: datetime = field(default_factory=timezone.now)
    number: int = 1
    page_count: int = 1
    total: int = 0

    @property
    def new_count(self) -> int:
        return sum(1 for post in self.posts if post.is_new)

    @property
    def is_last(self) -> bool:
        return self.number >= self.page_count

    @property
    def page_numbers(self) -> list[int | None]:
        """Pages to link: the first, the last and the neighbours of this one (None: a gap)."""
        wanted = {1, self.page_count, *range(self.number - 2, self.number + 3)}
        shown: list[int | None] = []
        for n in sorted(n for n in wanted if 1 <= n <= self.page_count):
            if shown and shown[-1] is not None and n - shown[-1] > 1:
                shown.append(None)
            shown.append(n)
        return shown


def decorate_post(post: Post, *, viewer: User, viewer_is_tutor: bool, now: datetime) -> Post:
    """Set what a page or payload shows of ``post`` to ``viewer``, on the instance."""
    post.shown_author = author_name_for(post, viewer=viewer, viewer_is_tutor=viewer_is_tutor)
    post.author_visible = author_visible(post, viewer=viewer, viewer_is_tutor=viewer_is_tutor)
    post.is_own = post.author_id == viewer.pk
    post.can_edit = post.is_own and not post.is_retracted and post.within_grace(now)
    post.can_moderate = viewer_is_tutor
    post.text_visible = post_text_visible(post, viewer_is_tutor=viewer_is_tutor)
    post.shown_html = post.body_html if post.text_visible else ""
    post.is_new = False
    post.children = []
    return post


def thread_posts(*, thread: Thread) -> QuerySet[Post]:
    """A thread's posts, oldest first, with what a page shows (never the search data)."""
    return (
        Post.objects.filter(thread=thread)
        .select_related("author")
        .defer("search_vector", "body", "author__password")
        .order_by(*POST_ORDER)
    )


def _shown_thread_author(thread: Thread, *, user: User, tutor: bool) -> str:
    """The starter as ``user`` may see them, from the thread's stored author and anonymity
    (``rules.visibility``), whichever page is shown and whatever became of the opening post."""
    thread.author_visible = thread_author_visible(thread, viewer=user, viewer_is_tutor=tutor)
    return thread_author_name(thread, viewer=user, viewer_is_tutor=tutor)


def post_position(*, thread: Thread, post: Post) -> int:
    """How many posts of the thread come before ``post`` (its index in the thread)."""
    before = Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, pk__lt=post.pk)
    return Post.objects.filter(thread=thread).filter(before).count()


def page_of_post(*, user: User, thread_id: int, post_id: int) -> int | None:
    """The page of the thread that holds ``post_id`` (None if it is not there or not visible)."""
    thread = visible_thread(user=user, thread_id=thread_id)
    if thread is None:
        return None
    post = Post.objects.filter(pk=post_id, thread=thread).only("created_at", "pk").first()
    if post is None:
        return None
    return post_position(thread=thread, post=post) // POSTS_PER_PAGE + 1


def first_unread(*, user: User, thread: Thread) -> tuple[int, int | None]:
    """Where "jump to first unread" lands: (page, post id) of the first post by someone else
    since the user's last visit; the last page (and no post) when nothing is new."""
    last_read = (
        ThreadReadState.objects.filter(user=user, thread=thread)
        .values_list("last_read_at", flat=True)
        .first()
    )
    posts = Post.objects.filter(thread=thread).exclude(author=user).order_by(*POST_ORDER)
    if last_read is not None:
        posts = posts.filter(created_at__gt=last_read)
    post = posts.only("created_at", "pk").first()
    if post is None:
        total = Post.objects.filter(thread=thread).count()
        return max(1, -(-total // POSTS_PER_PAGE)), None
    return post_position(thread=thread, post=post) // POSTS_PER_PAGE + 1, post.pk


def thread_page(
    *, user: User, thread_id: int, number: int | None = 1, per_page: int = POSTS_PER_PAGE
) -> ThreadPage | None:
    """Page ``number`` of a thread (None: the last page) in a fixed number of queries, whatever
    its length.

    None when the thread is not visible or the page does not exist. Call before recording the
    read, so ``previous_read_at`` is the visit before this one.
    """
    thread = visible_thread(user=user, thread_id=thread_id)
    if thread is None:
        return None
    tutor = thread.viewer_is_tutor
    total = Post.objects.filter(thread=thread).count()
    page_count = max(1, -(-total // per_page))
    if number is None:
        number = page_count
    if not 1 <= number <= page_count:
        return None
    offset = (number - 1) * per_page
    posts = list(thread_posts(thread=thread)[offset : offset + per_page])
    previous = (
        ThreadReadState.objects.filter(user=user, thread=thread)
        .values_list("last_read_at", flat=True)
        .first()
    )
    page = ThreadPage(
        thread=thread,
        viewer=user,
        viewer_is_tutor=tutor,
        posts=posts,
        previous_read_at=previous,
        number=number,
        page_count=page_count,
        total=total,
    )
    by_id = {}
    for post in posts:
        decorate_post(post, viewer=user, viewer_is_tutor=tutor, now=page.now)
        post.is_new = previous is not None and post.created_at > previous and not post.is_own
        by_id[post.pk] = post
    attach_reactions(posts, thread=thread, viewer=user, viewer_is_tutor=tutor)
    attach_attachments(posts)
    for post in posts:
        parent = by_id.get(post.reply_to_id)
        post.reply_parent_shown = parent is not None
        if parent is not None:
            parent.children.append(post)
        else:
            page.top_level.append(post)
    thread.shown_author = _shown_thread_author(thread, user=user, tutor=tutor)
    return page


def thread_posts_page(
    *, user: User, thread: Thread, limit: int, cursor: str | None = None
) -> Page[Post]:
    """One page of a visible thread's posts for the API, oldest first, decorated for ``user``.

    Sets ``thread.shown_author``. A fixed number of queries per page.
    """
    tutor = thread.viewer_is_tutor
    page = keyset_page(thread_posts(thread=thread), order=POST_ORDER, limit=limit, cursor=cursor)
    now = timezone.now()
    for post in page.items:
        decorate_post(post, viewer=user, viewer_is_tutor=tutor, now=now)
    attach_reactions(page.items, thread=thread, viewer=user, viewer_is_tutor=tutor)
    attach_attachments(page.items)
    thread.shown_author = _shown_thread_author(thread, user=user, tutor=tutor)
    return page


def visible_post(*, user: User, post_id: int) -> Post | None:
    """One post as ``user`` may see it (for the live page's fragments and the API)."""
    post = Post.objects.select_related("author").filter(pk=post_id).first()
    thread = None if post is None else visible_thread(user=user, thread_id=post.thread_id)
    if thread is None:
        return None
    post.thread, post.cohort = thread, thread.cohort
    decorate_post(post, viewer=user, viewer_is_tutor=thread.viewer_is_tutor, now=timezone.now())
    attach_reactions([post], thread=thread, viewer=user, viewer_is_tutor=thread.viewer_is_tutor)
    attach_attachments([post])
    return post


# --- Attachments -----------------------------------------------------------------------------
def attach_attachments(posts: list[Post]) -> None:
    """Set ``attachments_shown`` on decorated posts: the attachments a reader sees (none of a
    post whose text they may not see), each with ``inline`` (the text already shows it),
    ``url`` and ``shown_size``. One query, whatever the number of posts."""
    ids = [post.pk for post in posts if post.text_visible and not post.is_retracted]
    by_post: dict[int, list[PostAttachment]] = defaultdict(list)
    if ids:
        for attachment in PostAttachment.objects.filter(post_id__in=ids).order_by("pk"):
            by_post[attachment.post_id].append(attachment)
    for post in posts:
        shown = by_post.get(post.pk, [])
        for attachment in shown:
            attachment.url = attachment.get_absolute_url()
            attachment.inline = f'src="{attachment.url}"' in (post.shown_html or "")
            attachment.shown_size = _file_size(attachment.size)
            attachment.type_label = type_label(attachment.content_type)
            attachment.markdown = (
                f"![{attachment.name}]({attachment.url})"
                if attachment.is_image
                else f"[{attachment.name}]({attachment.url})"
            )
        post.attachments_shown = shown
        post.gallery = [a for a in shown if a.is_image and not a.inline]
        post.downloads = [a for a in shown if not a.is_image]


def _file_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size // 1024, 1)} KB"


def visible_attachment(*, user: User, attachment_id: int) -> PostAttachment | None:
    """An attachment ``user`` may download: one of a post whose text they may see (not
    retracted, not hidden from them), or their own upload waiting for a post. None otherwise,
    for every reason alike."""
    attachment = PostAttachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        return None
    if attachment.post_id is None:
        return attachment if attachment.uploaded_by_id == user.pk else None
    post = Post.objects.filter(pk=attachment.post_id).only("thread_id", "retracted_at", "hidden_at")
    post = post.first()
    thread = None if post is None else visible_thread(user=user, thread_id=post.thread_id)
    if thread is None or post.is_retracted:
        return None
    if not post_text_visible(post, viewer_is_tutor=thread.viewer_is_tutor):
        return None
    return attachment


# --- Reactions -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReactionSummary:
    """One kind of reaction on a post as ``viewer`` may see it: how many, whether the viewer
    is among them, the reactors they may name ("you" for themselves) and how many they may
    not (anonymous to peers)."""

    kind: str
    label: str
    count: int
    mine: bool
    names: list[str]
    anonymous: int


def new_post_view(post: Post, *, viewer: User) -> Post:
    """A post ``viewer`` has just written (``post.thread`` as ``visible_thread`` gave it to
    them), decorated as ``visible_post`` would: no query, nothing can have reacted to it yet."""
    thread = post.thread
    post.cohort = thread.cohort
    tutor = thread.viewer_is_tutor
    decorate_post(post, viewer=viewer, viewer_is_tutor=tutor, now=timezone.now())
    attach_reactions([post], thread=thread, viewer=viewer, viewer_is_tutor=tutor, fresh=True)
    if getattr(post, "posted_with_files", True):  # the files it was posted with (one query)
        attach_attachments([post])
    else:
        post.attachments_shown, post.gallery, post.downloads = [], [], []
    return post


def attach_reactions(
    posts: list[Post],
    *,
    thread: Thread,
    viewer: User,
    viewer_is_tutor: bool,
    fresh: bool = False,
) -> None:
    """Set ``reactions_shown`` (a ``ReactionSummary`` per kind), ``reaction_counts``,
    ``my_reactions`` and ``can_react`` on decorated posts of one thread: two queries at most,
    whatever the number of posts (none for ``fresh`` posts, just written)."""
    ids = [] if fresh else [post.pk for post in posts if not post.is_retracted]
    rows = (
        list(
            Reaction.objects.filter(post_id__in=ids)
            .select_related("user")
            .only(
                "post_id",
                "user_id",
                "kind",
                "anonymous",
                "user__username",
                "user__display_name",
                "user__first_name",
                "user__last_name",
            )
        )
        if ids
        else []
    )
    writers = anonymous_writers(thread) if rows else set()
    by_post: dict[int, list[Reaction]] = defaultdict(list)
    for reaction in rows:
        by_post[reaction.post_id].append(reaction)
    writable = getattr(thread, "writable", True)
    for post in posts:
        reactions = by_post.get(post.pk, [])
        shown = []
        for kind, label in Reaction.Kind.choices:
            of_kind = [r for r in reactions if r.kind == kind]
            names = [
                "you" if r.user_id == viewer.pk else r.user.shown_name
                for r in of_kind
                if reactor_visible(
                    r, viewer=viewer, viewer_is_tutor=viewer_is_tutor, anonymous_writers=writers
                )
            ]
            shown.append(
                ReactionSummary(
                    kind=kind,
                    label=label,
                    count=len(of_kind),
                    mine=any(r.user_id == viewer.pk for r in of_kind),
                    names=names,
                    anonymous=len(of_kind) - len(names),
                )
            )
        post.reactions_shown = shown
        post.reaction_counts = {summary.kind: summary.count for summary in shown}
        post.reaction_total = len(reactions)
        post.my_reactions = [summary.kind for summary in shown if summary.mine]
        post.can_react = bool(
            writable and not post.is_own and not post.is_retracted and not post.is_hidden
        )


# --- Quoting ----------------------------------------------------------------------------------
QUOTE_MAX_CHARS = 1500


def quote_markdown(
    *, user: User, thread: Thread, post_id: int, viewer_is_tutor: bool, selection: str = ""
) -> str:
    """A reply's opening: ``post`` (of ``thread``, which the caller has checked ``user`` may
    see) as a Markdown blockquote with a link back, under the author's name as ``user`` may see
    it. A retracted post, or a hidden one for a peer, gives the link and nothing of its text.
    Empty when the post is not in the thread.

    ``selection``: the part of the post the reader selected (the thread page's Quote with text
    selected). It is quoted only when it is really in the post's text as the reader sees it
    (whitespace aside); anything else is ignored and the post is quoted whole, so a made-up
    ``?text=`` can never put words in someone's mouth."""
    post = Post.objects.select_related("author").filter(thread=thread, pk=post_id).first()
    if post is None:
        return ""
    name = author_name_for(post, viewer=user, viewer_is_tutor=viewer_is_tutor)
    name = name[:1].upper() + name[1:]
    name = name.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    link = f"[{name} wrote](/threads/{thread.pk}/?post={post.pk}):"
    if post.retracted_at is not None:
        return f"{link}\n> *(retracted)*\n\n"
    if post.hidden_at is not None and not viewer_is_tutor:
        return f"{link}\n> *(hidden by a tutor)*\n\n"
    body = _selected_text(post, selection) or post.body.strip()
    if len(body) > QUOTE_MAX_CHARS:
        body = body[:QUOTE_MAX_CHARS].rstrip() + " …"
    quoted = "\n".join(f"> {line}".rstrip() for line in body.splitlines())
    return f"{link}\n{quoted}\n\n"


def _selected_text(post: Post, selection: str) -> str:
    """``selection`` as it appears in ``post``'s shown text (its rendered HTML as plain text,
    whitespace folded), or "" when it does not appear there or is too short to mean anything."""
    wanted = " ".join((selection or "").split())
    if len(wanted) < 2 or len(wanted) > QUOTE_MAX_CHARS:
        return ""
    shown = " ".join(plain_text(post.body_html).split())
    return wanted if wanted in shown else ""


# --- Mentions -------------------------------------------------------------------------------
MENTION_SUGGESTIONS = 8


def _shown_name_sql() -> Coalesce:
    """``User.shown_name`` in SQL: display name, else full name, else username."""
    full_name = Trim(Concat("user__first_name", Value(" "), "user__last_name"))
    return Coalesce(
        NullIf("user__display_name", Value("")), NullIf(full_name, Value("")), "user__username"
    )


def thread_audience(thread: Thread) -> QuerySet[Membership]:
    """The memberships of the people who can see ``thread`` (``rules.visibility``): whom a
    post in it may mention."""
    return Membership.objects.filter(
        thread_audience_q(thread, now=timezone.now()), user__is_active=True
    ).select_related("user")


def mentionable_users(*, thread: Thread, usernames: set[str]) -> dict[str, User]:
    """Those of ``usernames`` (lower-cased) who can be mentioned in ``thread``, by lower-cased
    username: one query."""
    if not usernames:
        return {}
    rows = (
        thread_audience(thread)
        .annotate(lowered=Lower("user__username"))
        .filter(lowered__in=list(usernames)[:200])
    )
    return {row.lowered: row.user for row in rows}


def mention_suggestions(*, user: User, thread: Thread, prefix: str) -> list[User]:
    """Who ``user`` may mention in ``thread`` whose name or username starts with ``prefix``
    (any word of the name), by name: never anyone who cannot see the thread, and nothing about
    who wrote what (an anonymous author is listed like everyone else, by name only)."""
    prefix = (prefix or "").strip().lstrip("@")[:50]
    rows = thread_audience(thread).exclude(user=user)
    if prefix:
        rows = rows.filter(
            Q(user__username__istartswith=prefix)
            | Q(user__display_name__istartswith=prefix)
            | Q(user__display_name__icontains=" " + prefix)
            | Q(user__first_name__istartswith=prefix)
            | Q(user__last_name__istartswith=prefix)
        )
    rows = rows.annotate(shown=Lower(_shown_name_sql())).order_by("shown", "user__username")
    return [row.user for row in rows[:MENTION_SUGGESTIONS]]


# --- Across a cohort --------------------------------------------------------------------------
def _readable_posts(*, user: User, cohort: Cohort, tutor: bool) -> QuerySet[Post]:
    posts = Post.objects.filter(
        thread__in=cohort_threads(user=user, cohort=cohort, tutor=tutor).values("pk"),
        retracted_at__isnull=True,
    )
    if not tutor:
        posts = posts.filter(hidden_at__isnull=True)
    return posts


def _decorate_items(posts, *, user: User, tutor: bool) -> list[Post]:
    items = list(posts)
    now = timezone.now()
    for post in items:
        decorate_post(post, viewer=user, viewer_is_tutor=tutor, now=now)
        post.excerpt = excerpt(post.body_html)
        post.starts_thread = post.pk == post.thread.first_post_id
    return items


LIST_ORDER = ("-created_at", "-id")
ACTIVITY_PAGE = PageSize(default=20, maximum=100)
RESULTS_PAGE = PageSize(default=25, maximum=100)


def _decorated_page(page: Page[Post], *, user: User, tutor: bool) -> Page[Post]:
    page.items = _decorate_items(page.items, user=user, tutor=tutor)
    return page


def activity_page(
    *, user: User, cohort: Cohort, limit: int = ACTIVITY_PAGE.default, cursor: str | None = None
) -> Page[Post]:
    """The latest threads and posts of a cohort the user may read, newest first, a page at a
    time. Only what has happened: a scheduled prompt is not "started" until it is published,
    for its tutors too (they find it under Scheduled prompts); published, it comes in at its
    publication time."""
    tutor = is_tutor(user, cohort)
    posts = (
        _readable_posts(user=user, cohort=cohort, tutor=tutor)
        .filter(thread__state=Thread.State.PUBLISHED)
        .select_related("author", "thread", "thread__board")
    )
    page = keyset_page(posts, order=LIST_ORDER, limit=limit, cursor=cursor)
    return _decorated_page(page, user=user, tutor=tutor)


def tagged_page(
    *,
    user: User,
    cohort: Cohort,
    tag: str,
    limit: int = RESULTS_PAGE.default,
    cursor: str | None = None,
) -> Page[Post]:
    """Posts carrying ``#tag`` (case-insensitive), newest first, a page at a time."""
    tutor = is_tutor(user, cohort)
    tag = normalise_tag(tag)
    if not tag:
        return Page(items=[], next_cursor=None)
    posts = (
        _readable_posts(user=user, cohort=cohort, tutor=tutor)
        .filter(hashtags__contains=[tag])
        .select_related("author", "thread", "thread__board")
    )
    page = _decorated_page(
        keyset_page(posts, order=LIST_ORDER, limit=limit, cursor=cursor, scope=tag),
        user=user,
        tutor=tutor,
    )
    for post in page.items:
        post.starts_thread = False
    return page


_MARK_START, _MARK_STOP = "\x1e", "\x1f"


def _shown_author_sql() -> Coalesce:
    """The post author's ``User.shown_name`` in SQL."""
    full_name = Trim(Concat("author__first_name", Value(" "), "author__last_name"))
    return Coalesce(
        NullIf("author__display_name", Value("")), NullIf(full_name, Value("")), "author__username"
    )


def _filtered(
    posts: QuerySet[Post],
    *,
    user: User,
    tutor: bool,
    author: str,
    board_id: int | None,
    since: date | None,
    until: date | None,
    unread_only: bool,
) -> QuerySet[Post]:
    """The search filters. ``author`` matches the name the searcher may see: a peer never
    finds someone's anonymous posts by their name (only their own); tutors do."""
    if author:
        posts = posts.annotate(author_shown=_shown_author_sql()).filter(
            Q(author_shown__icontains=author) | Q(author__username__iexact=author)
        )
        if not tutor:
            posts = posts.filter(Q(anonymous=False) | Q(author=user))
    if board_id is not None:
        posts = posts.filter(thread__board_id=board_id)
    zone = timezone.get_current_timezone()
    if since is not None:
        posts = posts.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
        posts = posts.filter(created_at__lt=end)
    if unread_only:
        last_read = ThreadReadState.objects.filter(thread=OuterRef("thread_id"), user=user).values(
            "last_read_at"
        )[:1]
        posts = (
            posts.exclude(author=user)
            .annotate(my_last_read_at=Subquery(last_read))
            .filter(Q(my_last_read_at__isnull=True) | Q(created_at__gt=F("my_last_read_at")))
        )
    return posts


def search_page(
    *,
    user: User,
    cohort: Cohort,
    query: str,
    author: str = "",
    board_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    unread_only: bool = False,
    limit: int = RESULTS_PAGE.default,
    cursor: str | None = None,
) -> Page[Post]:
    """Full-text search (PostgreSQL, GIN-indexed) over the posts and thread titles a user may
    read, best match first, a page at a time; each result has ``headline_html`` with the
    matches in ``<mark>``. The filters (author, board, dates, only unread) narrow it; with
    filters and no words, the matching posts come newest first. ``board_id`` must be one of
    ``visible_boards`` (the form's choices); the visibility filter applies whatever it is."""
    query = " ".join((query or "").split())[:200]
    author = " ".join((author or "").split())[:100]
    filters = {
        "author": author,
        "board_id": board_id,
        "since": since,
        "until": until,
        "unread_only": unread_only,
    }
    if not query and not any(filters.values()):
        return Page(items=[], next_cursor=None)
    tutor = is_tutor(user, cohort)
    posts = _filtered(
        _readable_posts(user=user, cohort=cohort, tutor=tutor),
        user=user,
        tutor=tutor,
        **filters,
    ).select_related("author", "thread", "thread__board")
    # The cursor is bound to the words and the filters: another search's cursor is refused.
    scope = "|".join([query, author, str(board_id), str(since), str(until), str(unread_only)])
    if not query:
        page = _decorated_page(
            keyset_page(posts, order=LIST_ORDER, limit=limit, cursor=cursor, scope=scope),
            user=user,
            tutor=tutor,
        )
        for post in page.items:
            post.starts_thread = False
        return page
    search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    posts = posts.filter(search_vector=search).annotate(
        # As double precision: a ``real`` rank comes back rounded, so a cursor holding it
        # never matched its own row again and the next page came back empty.
        rank=Cast(SearchRank(F("search_vector"), search), FloatField()),
        headline=SearchHeadline(
            "body",
            search,
            config=SEARCH_CONFIG,
            start_sel=_MARK_START,
            stop_sel=_MARK_STOP,
            max_words=35,
            min_words=15,
        ),
    )
    page = _decorated_page(
        keyset_page(posts, order=("-rank", *LIST_ORDER), limit=limit, cursor=cursor, scope=scope),
        user=user,
        tutor=tutor,
    )
    for post in page.items:
        text = html.escape(post.headline.replace(_MARK_START, "\x00").replace(_MARK_STOP, "\x01"))
        post.headline_html = text.replace("\x00", "<mark>").replace("\x01", "</mark>")
        post.starts_thread = False
    return page


def boards_with_counts(*, user: User, cohort: Cohort) -> list[Board]:
    """The boards the user may open, each with ``thread_count`` and ``unread_count`` (threads
    with posts the user has not seen) over the threads the user may see: three queries."""
    boards = list(visible_boards(user=user, cohort=cohort))
    threads = with_reading(cohort_threads(user=user, cohort=cohort), user=user)
    totals = dict(
        Thread.objects.filter(pk__in=threads.values("pk"))
        .values("board_id")
        .annotate(n=Count("pk"))
        .values_list("board_id", "n")
    )
    unread: dict[int, int] = {}
    loud = threads.exclude(quiet_threads_q(user=user, cohort_id=cohort.pk))
    for board_id in loud.filter(unread__gt=0).values_list("board_id", flat=True):
        unread[board_id] = unread.get(board_id, 0) + 1
    for board in boards:
        board.thread_count = totals.get(board.pk, 0)
        board.unread_count = unread.get(board.pk, 0)
    return boards


def unread_in_cohort(*, user: User, cohort: Cohort) -> int:
    """Threads of the cohort with posts the user has not seen yet."""
    threads = with_reading(cohort_threads(user=user, cohort=cohort), user=user)
    loud = threads.exclude(quiet_threads_q(user=user, cohort_id=cohort.pk))
    return loud.filter(unread__gt=0).count()


# --- Moderation -------------------------------------------------------------------------------
def moderation_queue(*, cohort: Cohort) -> dict[str, list]:
    """Open flags (grouped by post) and currently hidden posts of a cohort, for its tutors.

    The caller checks ``can_moderate``; this only reads.
    """
    flags = list(
        PostFlag.objects.filter(post__cohort=cohort, resolved_at__isnull=True)
        .select_related("post__author", "post__thread", "flagged_by")
        .order_by("created_at", "id")
    )
    flagged: dict[int, dict] = {}
    for flag in flags:
        flag.post.shown_author = author_name_for(flag.post, viewer=None, viewer_is_tutor=True)
        entry = flagged.setdefault(flag.post_id, {"post": flag.post, "flags": []})
        entry["flags"].append(flag)
    hidden = list(
        Post.objects.filter(cohort=cohort, hidden_at__isnull=False)
        .select_related("author", "thread", "hidden_by")
        .order_by("-hidden_at")
    )
    for post in hidden:
        post.shown_author = author_name_for(post, viewer=None, viewer_is_tutor=True)
    return {"flagged": list(flagged.values()), "hidden": hidden}


# --- Watching, tracking, muting -------------------------------------------------------------
# A thread's own level, else its board's, else ``DEFAULT_LEVEL``. "Quiet" levels show no unread
# count for the thread (on the board, the cohort's page and the boards' counts).
Level = Subscription.Level
DEFAULT_LEVEL = Level.TRACKING
QUIET_LEVELS = (Level.NORMAL, Level.MUTED)


@dataclass(frozen=True)
class Following:
    """How closely a user follows a thread or a board: the ``level`` in force, and where it
    comes from (``"thread"``, ``"board"``: a row the user has; ``"default"``: none)."""

    level: str
    source: str
    chosen: bool = False  # the user chose it (not the default set by starting or replying)

    @property
    def label(self) -> str:
        return Level(self.level).label


def board_following(*, user: User, board: Board) -> Following:
    """``user``'s level for ``board`` (the caller has checked they may see it)."""
    row = Subscription.objects.filter(user=user, board=board).values("level").first()
    if row is None:
        return Following(DEFAULT_LEVEL, "default")
    return Following(row["level"], "board", chosen=True)


def thread_following(*, user: User, thread: Thread) -> Following:
    """``user``'s level for ``thread`` (the caller has checked they may see it): one query."""
    rows = {
        ("thread" if r["thread_id"] else "board"): r
        for r in Subscription.objects.filter(user=user)
        .filter(Q(thread=thread) | Q(board_id=thread.board_id))
        .values("thread_id", "level", "chosen")
    }
    if "thread" in rows:
        return Following(rows["thread"]["level"], "thread", chosen=rows["thread"]["chosen"])
    if "board" in rows:
        return Following(rows["board"]["level"], "board")
    return Following(DEFAULT_LEVEL, "default")


def levels_in_cohort(*, user: User, cohort_id: int) -> tuple[dict[int, str], dict[int, str]]:
    """``user``'s chosen levels in a cohort: by thread id, and by board id (one query)."""
    threads: dict[int, str] = {}
    boards: dict[int, str] = {}
    for thread_id, board_id, level in Subscription.objects.filter(
        user=user, cohort_id=cohort_id
    ).values_list("thread_id", "board_id", "level"):
        if thread_id:
            threads[thread_id] = level
        else:
            boards[board_id] = level
    return threads, boards


def quiet_threads_q(*, user: User, cohort_id: int) -> Q:
    """The filter on ``Thread`` for the threads ``user`` follows at a quiet level (normal or
    muted), whose unread posts are not counted: a thread's own level, else its board's."""
    threads, boards = levels_in_cohort(user=user, cohort_id=cohort_id)
    loud_threads = [pk for pk, level in threads.items() if level not in QUIET_LEVELS]
    quiet_threads = [pk for pk, level in threads.items() if level in QUIET_LEVELS]
    quiet_boards = [pk for pk, level in boards.items() if level in QUIET_LEVELS]
    if not quiet_threads and not quiet_boards:
        return Q(pk__in=[])
    return Q(pk__in=quiet_threads) | (Q(board_id__in=quiet_boards) & ~Q(pk__in=loud_threads))


def effective_levels(*, thread: Thread, user_ids: set[int]) -> dict[int, str]:
    """The level in force in ``thread`` for each of ``user_ids`` (one query)."""
    rows = Subscription.objects.filter(user_id__in=user_ids).filter(
        Q(thread=thread) | Q(board_id=thread.board_id)
    )
    by_board: dict[int, str] = {}
    by_thread: dict[int, str] = {}
    for user_id, thread_id, level in rows.values_list("user_id", "thread_id", "level"):
        (by_thread if thread_id else by_board)[user_id] = level
    return {
        user_id: by_thread.get(user_id) or by_board.get(user_id) or DEFAULT_LEVEL
        for user_id in user_ids
    }


def muted_in(*, thread: Thread, user_ids: set[int]) -> set[int]:
    """Those of ``user_ids`` who muted ``thread`` (or its board, and not the thread back)."""
    if not user_ids:
        return set()
    levels = effective_levels(thread=thread, user_ids=set(user_ids))
    return {user_id for user_id, level in levels.items() if level == Level.MUTED}


def watchers(*, thread: Thread) -> list[Membership]:
    """The memberships of everyone watching ``thread`` (its own level, else its board's) who
    can see it now (``thread_audience``): never anyone outside its audience. Each carries its
    role and of its user only what a notification needs (id, e-mail and e-mail preference):
    a thread's hundreds of watchers are read on every post in it."""
    own = Subscription.objects.filter(thread=thread)
    watching_thread = own.filter(level=Level.WATCHING).values("user_id")
    watching_board = (
        Subscription.objects.filter(board_id=thread.board_id, level=Level.WATCHING)
        .exclude(user_id__in=own.values("user_id"))
        .values("user_id")
    )
    return list(
        thread_audience(thread)
        .filter(Q(user_id__in=watching_thread) | Q(user_id__in=watching_board))
        .order_by("user_id")
        .only("role", "cohort_id", "user__id", "user__email", "user__email_preference")
    )


def draft_for(*, user: User, board: Board, thread: Thread | None) -> Draft | None:
    """``user``'s unsent reply to ``thread`` (or new thread on ``board``), if any; the caller
    has checked they may see it."""
    drafts = Draft.objects.filter(user=user, board=board)
    drafts = drafts.filter(thread=thread) if thread is not None else drafts.filter(thread=None)
    return drafts.first()


# --- The member's data export (mentoring.privacy) --------------------------------------------
# Everything the person wrote, with their anonymous posts marked; the threads they started as
# they read them: other people's posts under the names this person was shown (an anonymous
# peer stays "a member of this cohort"), a hidden post's text only if they could see it.
def _tutor_of(user: User) -> set[int]:
    return set(user.memberships.filter(role="tutor").values_list("cohort_id", flat=True))


def _own_post(post: Post) -> dict[str, Any]:
    return {
        "id": post.pk,
        "cohort": post.cohort.name,
        "thread_id": post.thread_id,
        "thread": post.thread.title,
        "reply_to": post.reply_to_id,
        "anonymous_to_peers": post.anonymous,
        "body": post.body,
        "hashtags": post.hashtags,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "retracted_at": post.retracted_at,
        "hidden_at": post.hidden_at,
        "hidden_reason": post.hidden_reason if post.hidden_at else "",
        "earlier_versions": [
            {"body": r.body, "replaced_at": r.replaced_at} for r in post.revisions.all()
        ],
    }


def _post_as_seen(post: Post, *, user: User, tutor: bool) -> dict[str, Any]:
    mine = post.author_id == user.pk
    return {
        "id": post.pk,
        "author": author_name_for(post, viewer=user, viewer_is_tutor=tutor),
        "by_you": mine,
        "anonymous_to_peers": post.anonymous if (mine or tutor) else None,
        "body": post.body if (mine or post_text_visible(post, viewer_is_tutor=tutor)) else "",
        "created_at": post.created_at,
        "retracted": post.retracted_at is not None,
        "hidden": post.hidden_at is not None,
    }


def export_boards(user: User, now: datetime) -> dict[str, Any]:
    tutor_of = _tutor_of(user)
    posts = (
        Post.objects.filter(author=user)
        .select_related("cohort", "thread")
        .prefetch_related("revisions")
        .order_by("created_at", "pk")
    )
    threads = (
        Thread.objects.filter(author=user)
        .select_related("board", "cohort")
        .order_by("created_at", "pk")
    )
    started = []
    for thread in threads:
        tutor = thread.cohort_id in tutor_of
        started.append(
            {
                "id": thread.pk,
                "cohort": thread.cohort.name,
                "board": thread.board.title,
                "title": thread.title,
                "anonymous_to_peers": thread.anonymous,
                "created_at": thread.created_at,
                "state": thread.state,
                "posts": [
                    _post_as_seen(post, user=user, tutor=tutor)
                    for post in thread.posts.select_related("author").order_by("created_at", "pk")
                ],
            }
        )
    return {
        "posts": [_own_post(post) for post in posts],
        "threads_started": started,
        "flags_raised": [
            {
                "post_id": f.post_id,
                "thread": f.post.thread.title,
                "reason": f.reason,
                "created_at": f.created_at,
                "resolved_at": f.resolved_at,
            }
            for f in PostFlag.objects.filter(flagged_by=user)
            .select_related("post__thread")
            .order_by("created_at", "pk")
        ],
        "reading_places": [
            {
                "thread_id": r.thread_id,
                "thread": r.thread.title,
                "first_read_at": r.first_read_at,
                "last_read_at": r.last_read_at,
            }
            for r in ThreadReadState.objects.filter(user=user)
            .select_related("thread")
            .order_by("first_read_at", "pk")
        ],
        "group_boards": [
            {"board": b.title, "cohort": b.cohort.name}
            for b in user.restricted_boards.select_related("cohort").order_by("pk")
        ],
        # A tutor's moderation: which posts they hid and which flags they resolved (ids and
        # times, not the other people's text).
        "posts_hidden_as_tutor": [
            {"post_id": p.pk, "hidden_at": p.hidden_at, "reason": p.hidden_reason}
            for p in Post.objects.filter(hidden_by=user).order_by("hidden_at", "pk")
        ],
        "flags_resolved_as_tutor": [
            {"post_id": f.post_id, "resolved_at": f.resolved_at}
            for f in PostFlag.objects.filter(resolved_by=user).order_by("resolved_at", "pk")
        ],
        "reactions_given": [
            {
                "post_id": r.post_id,
                "thread": r.post.thread.title,
                "kind": r.get_kind_display(),
                "anonymous": r.anonymous,
                "at": r.created_at,
            }
            for r in Reaction.objects.filter(user=user)
            .select_related("post__thread")
            .order_by("created_at", "pk")
        ],
        "following": [
            {
                "cohort": s.cohort.name,
                "board": s.board.title if s.board_id else None,
                "thread_id": s.thread_id,
                "thread": s.thread.title if s.thread_id else None,
                "level": s.get_level_display(),
                "chosen_by_you": s.chosen,
                "updated_at": s.updated_at,
            }
            for s in Subscription.objects.filter(user=user)
            .select_related("cohort", "board", "thread")
            .order_by("updated_at", "pk")
        ],
        "drafts": [
            {
                "cohort": d.cohort.name,
                "board": d.board.title,
                "thread_id": d.thread_id,
                "thread": d.thread.title if d.thread_id else None,
                "title": d.title,
                "body": d.body,
                "updated_at": d.updated_at,
            }
            for d in Draft.objects.filter(user=user)
            .select_related("cohort", "board", "thread")
            .order_by("updated_at", "pk")
        ],
        # The files themselves are on the posts' pages; here, what and where they are.
        "attachments_uploaded": [
            {
                "id": a.pk,
                "name": a.name,
                "type": a.content_type,
                "size_bytes": a.size,
                "post_id": a.post_id,
                "thread": a.thread.title,
                "uploaded_at": a.created_at,
            }
            for a in PostAttachment.objects.filter(uploaded_by=user)
            .select_related("thread")
            .order_by("created_at", "pk")
        ],
    }


PRIVACY = Provider(
    name="boards",
    title="Your posts and threads",
    description="Every post you wrote (anonymous ones marked), earlier versions still kept, "
    "the threads you started as you saw them, flags you raised, where you read up to, what "
    "you watch or mute and your unsent drafts.",
    covers={
        "mentoring.Post": ("author", "hidden_by"),
        "mentoring.Thread": ("author",),
        "mentoring.PostFlag": ("flagged_by", "resolved_by"),
        "mentoring.ThreadReadState": ("user",),
        "mentoring.Board": ("allowed_users",),
        "mentoring.Reaction": ("user",),
        "mentoring.Subscription": ("user",),
        "mentoring.Draft": ("user",),
        "mentoring.PostAttachment": ("uploaded_by",),
    },
    export=export_boards,
    parts={
        "posts": "Posts you wrote",
        "threads_started": "Threads you started",
        "flags_raised": "Posts you flagged",
        "reading_places": "Where you read up to",
        "group_boards": "Group boards you were given",
        "posts_hidden_as_tutor": "Posts you hid (as a tutor)",
        "flags_resolved_as_tutor": "Flags you resolved (as a tutor)",
        "reactions_given": "Your reactions to posts",
        "following": "Threads and boards you watch, track or mute",
        "drafts": "Posts you had not sent yet (drafts)",
        "attachments_uploaded": "Files and images you attached to posts",
    },
)


# --- A cohort's records (year end) ----------------------------------------------------------
def cohort_record_boards(*, tutor: User, cohort: Cohort) -> list[Board]:
    """Every board of the cohort with its threads (``board.record_threads``) and each thread's
    posts (``thread.record_posts``) as ``tutor`` sees them on the pages: anonymous authors
    named (tutors see them), hidden posts' text too, retracted posts as tombstones (their text
    is gone). Empty for anyone who does not tutor the cohort."""
    if not is_tutor(tutor, cohort):
        return []
    now = timezone.now()
    boards = list(Board.objects.filter(cohort=cohort).order_by("id"))
    threads = (
        Thread.objects.filter(cohort=cohort, board__in=boards)
        .select_related("author")
        .order_by("created_at", "id")
    )
    posts = (
        Post.objects.filter(cohort=cohort)
        .select_related("author")
        .defer("search_vector", "body", "author__password")
        .order_by(*POST_ORDER)
    )
    by_thread: dict[int, list[Post]] = defaultdict(list)
    for post in posts.iterator(chunk_size=2000):
        by_thread[post.thread_id].append(
            decorate_post(post, viewer=tutor, viewer_is_tutor=True, now=now)
        )
    by_board: dict[int, list[Thread]] = defaultdict(list)
    for thread in threads:
        thread.shown_author = _shown_thread_author(thread, user=tutor, tutor=True)
        thread.record_posts = by_thread.get(thread.pk, [])
        by_board[thread.board_id].append(thread)
    for board in boards:
        board.record_threads = by_board.get(board.pk, [])
    return boards
