"""Drafts: a reply or a new thread being written, kept server-side per user and thread (or per
user and board for a new thread) so that a closed tab or a failed submit loses nothing.

The page saves as the person types (``drafts.js``, debounced, rate-limited as ``draft``) and
on a failed submit; the form is rendered with the draft in it, by the server. Posting deletes
the draft; so does emptying the box. The retention job deletes drafts left longer than
``RETENTION_DRAFTS_DAYS``. Only the user ever reads their drafts.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from mentoring.boards.selectors import visible_board, visible_thread
from mentoring.core.errors import Invalid, NotFound
from mentoring.core.ratelimit import check_rate
from mentoring.models import MAX_POST_LENGTH, Board, Draft, Post, Thread, User

MAX_TITLE_LENGTH = 200


def _checked(body: str | None, title: str | None) -> tuple[str, str]:
    body = body or ""
    title = " ".join((title or "").split())
    if len(body) > MAX_POST_LENGTH:
        raise Invalid(
            "too_long",
            f"A post can be at most {MAX_POST_LENGTH:,} characters; this one has {len(body):,}.",
            field="body",
        )
    if len(title) > MAX_TITLE_LENGTH:
        raise Invalid(
            "too_long", f"A title can be at most {MAX_TITLE_LENGTH} characters.", field="title"
        )
    return body, title


def _save(
    *,
    user: User,
    board: Board,
    thread: Thread | None,
    body: str,
    title: str = "",
    reply_to: int | None = None,
) -> Draft | None:
    if not body.strip() and not title.strip():
        discard(user=user, board=board, thread=thread)
        return None
    if (
        thread is None
        or reply_to is None
        or not (Post.objects.filter(pk=reply_to, thread=thread, retracted_at__isnull=True).exists())
    ):
        reply_to = None
    draft, _ = Draft.objects.update_or_create(
        user=user,
        board=board,
        thread=thread,
        defaults={
            "cohort_id": board.cohort_id,
            "body": body,
            "title": title if thread is None else "",
            "reply_to_id": reply_to,
            "updated_at": timezone.now(),
        },
    )
    return draft


@transaction.atomic
def save_reply_draft(
    *, user: User, thread_id: int, body: str | None, reply_to: int | None = None
) -> Draft | None:
    """Keep ``user``'s unsent reply to a thread they can see (empty: forget it). Rate-limited
    (``draft``) and no longer than a post."""
    thread = visible_thread(user=user, thread_id=thread_id)
    if thread is None:
        raise NotFound("There is no such thread, or you cannot see it.")
    body, _ = _checked(body, "")
    check_rate("draft", user=user)
    return _save(user=user, board=thread.board, thread=thread, body=body, reply_to=reply_to)


@transaction.atomic
def save_thread_draft(
    *, user: User, board_id: int, title: str | None, body: str | None
) -> Draft | None:
    """Keep ``user``'s unsent new thread on a board they can see (both empty: forget it)."""
    board = visible_board(user=user, board_id=board_id)
    if board is None:
        raise NotFound("There is no such board, or you cannot see it.")
    body, title = _checked(body, title)
    check_rate("draft", user=user)
    return _save(user=user, board=board, thread=None, body=body, title=title)


def keep_failed(
    *,
    user: User,
    board: Board,
    thread: Thread | None,
    body: str,
    title: str = "",
    reply_to: int | None = None,
) -> None:
    """A submit the server refused (nothing written, a rate limit…): keep what was written, so
    it is still there if the tab is closed now. Not rate-limited (a failed submit is counted
    where it failed), cut to the limits rather than refused."""
    _save(
        user=user,
        board=board,
        thread=thread,
        body=(body or "")[:MAX_POST_LENGTH],
        title=" ".join((title or "").split())[:MAX_TITLE_LENGTH],
        reply_to=reply_to,
    )


def discard(*, user: User, board: Board | int, thread: Thread | None) -> int:
    """Forget the draft (posted, or emptied): how many went (0 or 1)."""
    board_id = board.pk if isinstance(board, Board) else board
    drafts = Draft.objects.filter(user=user, board_id=board_id)
    drafts = drafts.filter(thread=thread) if thread is not None else drafts.filter(thread=None)
    return drafts.delete()[0]
