"""Who sees what on the boards, and whose name a reader sees: the privacy rules, written once.

Imports only models. Selectors turn these rules into queries; pages, the API, websocket
payloads, notifications, emails and CSV exports all get author names from here.

- A board: its cohort's tutors always see it; members see an unrestricted board, or a
  restricted one whose ``allowed_users`` they are among, and only once it has opened
  (``opens_at``). Nobody writes on a board before it opens or after it closes (``closes_at``).
- A thread: on "ask a tutor" (a private board), only its author and the tutors; a scheduled
  thread only the tutors, until it is published.
- A post's text: gone once retracted; a hidden post's text is for tutors only.
- An author's name: a post (or a thread) written anonymously to peers shows ``ANONYMOUS_NAME``
  to everyone but its author and the tutors. A thread's anonymity is a stored fact of the
  thread, so retracting its opening post never reveals who started it.
- A reactor's name: like an author's. A reaction is anonymous to peers when its reactor asked
  (where the cohort allows anonymity), or when they have written anonymously in the post's
  thread (naming them would point at the anonymous post); once anonymous it stays so.
- Who may be mentioned in a thread (and is listed by the autocomplete): the cohort's members
  who can see the thread (``thread_audience_q``); nobody outside the cohort.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from mentoring.models import Board, Membership, Post, Reaction, Thread, User

ANONYMOUS_NAME = "a member of this cohort"


# --- Boards -----------------------------------------------------------------------------------
def board_has_opened(board: Board, now: datetime) -> bool:
    return board.opens_at is None or board.opens_at <= now


def board_has_closed(board: Board, now: datetime) -> bool:
    return board.closes_at is not None and board.closes_at <= now


def boards_visible_q(*, user: User, viewer_is_tutor: bool, now: datetime) -> Q:
    """The filter on a cohort's boards for what ``user`` may see (the cohort check is apart)."""
    if viewer_is_tutor:
        return Q()
    return (Q(restricted=False) | Q(allowed_users=user)) & (
        Q(opens_at__isnull=True) | Q(opens_at__lte=now)
    )


def board_visible_to(board: Board, *, user: User, viewer_is_tutor: bool, now: datetime) -> bool:
    """One board (the cohort check is apart): one query at most, for a restricted board."""
    if viewer_is_tutor:
        return True
    if not board_has_opened(board, now):
        return False
    return not board.restricted or board.allowed_users.filter(pk=user.pk).exists()


def board_writable(board: Board, *, now: datetime) -> bool:
    """Threads and posts are written only while the board is open."""
    return board_has_opened(board, now) and not board_has_closed(board, now)


def board_lists_threads_to_members(board: Board) -> bool:
    """Every member who sees the board sees all its published threads, except on "ask a
    tutor", where each member sees only their own (``threads_visible_q``)."""
    return board.kind != Board.Kind.PRIVATE


# --- Threads and posts ------------------------------------------------------------------------
def threads_visible_q(*, user: User, viewer_is_tutor: bool) -> Q:
    """On "ask a tutor" a member sees only the threads they started; scheduled threads are the
    tutors' until published (the board check is apart)."""
    if viewer_is_tutor:
        return Q()
    return (~Q(board__kind=Board.Kind.PRIVATE) | Q(author=user)) & Q(state=Thread.State.PUBLISHED)


def thread_visible_to(thread: Thread, *, user: User, viewer_is_tutor: bool) -> bool:
    if viewer_is_tutor:
        return True
    if thread.state != Thread.State.PUBLISHED:
        return False
    return thread.board.kind != Board.Kind.PRIVATE or thread.author_id == user.pk


def post_text_visible(post: Post, *, viewer_is_tutor: bool) -> bool:
    return post.retracted_at is None and (post.hidden_at is None or viewer_is_tutor)


# --- Author names -----------------------------------------------------------------------------
def _named(anonymous: bool, author_id: int, *, viewer: User | None, viewer_is_tutor: bool) -> bool:
    return not anonymous or viewer_is_tutor or (viewer is not None and viewer.pk == author_id)


def author_visible(post: Post, *, viewer: User | None, viewer_is_tutor: bool) -> bool:
    """May ``viewer`` know who wrote ``post``? (``viewer=None``: any peer, e.g. a broadcast.)"""
    return _named(post.anonymous, post.author_id, viewer=viewer, viewer_is_tutor=viewer_is_tutor)


def author_name_for(post: Post, *, viewer: User | None, viewer_is_tutor: bool) -> str:
    """The post's author as ``viewer`` may see them."""
    if author_visible(post, viewer=viewer, viewer_is_tutor=viewer_is_tutor):
        return post.author.shown_name
    return ANONYMOUS_NAME


def thread_author_visible(thread: Thread, *, viewer: User | None, viewer_is_tutor: bool) -> bool:
    return _named(
        thread.anonymous, thread.author_id, viewer=viewer, viewer_is_tutor=viewer_is_tutor
    )


def thread_author_name(thread: Thread, *, viewer: User | None, viewer_is_tutor: bool) -> str:
    """Who started ``thread`` as ``viewer`` may see them, whatever became of its opening post."""
    if thread_author_visible(thread, viewer=viewer, viewer_is_tutor=viewer_is_tutor):
        return thread.author.shown_name
    return ANONYMOUS_NAME


# --- Reactors ---------------------------------------------------------------------------------
def anonymous_writers(thread: Thread) -> set[int]:
    """Who has written anonymously in ``thread`` (the starter of an anonymous thread included,
    whatever became of the opening post): their reactions there are anonymous to peers."""
    writers = set(
        Post.objects.filter(thread_id=thread.pk, anonymous=True).values_list("author_id", flat=True)
    )
    if thread.anonymous:
        writers.add(thread.author_id)
    return writers


def reactor_visible(
    reaction: Reaction, *, viewer: User | None, viewer_is_tutor: bool, anonymous_writers: set[int]
) -> bool:
    """May ``viewer`` know who reacted? Tutors and the reactor always; peers unless the
    reaction is anonymous (asked for, or its reactor wrote anonymously in the thread)."""
    anonymous = reaction.anonymous or reaction.user_id in anonymous_writers
    return _named(anonymous, reaction.user_id, viewer=viewer, viewer_is_tutor=viewer_is_tutor)


# --- Mentions ---------------------------------------------------------------------------------
def thread_audience_q(thread: Thread, *, now: datetime) -> Q:
    """The filter on ``Membership`` for who can see ``thread`` (``thread_visible_to`` and
    ``board_visible_to`` as one query): its cohort's tutors, and its members unless the thread
    is scheduled or its board not open yet; on "Ask a tutor" only its author, on a restricted
    board only its group."""
    tutors = Q(cohort_id=thread.cohort_id, role=Membership.Role.TUTOR)
    if thread.state != Thread.State.PUBLISHED or not board_has_opened(thread.board, now):
        return tutors
    members = Q(cohort_id=thread.cohort_id, role=Membership.Role.MEMBER)
    board = thread.board
    if board.kind == Board.Kind.PRIVATE:
        members &= Q(user_id=thread.author_id)
    if board.restricted:
        members &= Q(user__in=board.allowed_users.all())
    return tutors | members
