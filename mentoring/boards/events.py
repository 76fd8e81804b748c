"""The live events of boards: posts on a thread's stream, new threads on a board's stream.

Built here, through the boards' schemas, from the post or thread as the service's transaction
wrote it, and sent after commit (``mentoring.realtime.events``). The thread and board streams
are named here; their sockets are ``mentoring.boards.consumers``.
"""

from __future__ import annotations

from mentoring.boards.schemas import (
    BoardUpdated,
    ModeratedThread,
    PostEvent,
    PostReacted,
    PostRetracted,
    ReactedPost,
    RetractedPost,
    ThreadModerated,
)
from mentoring.realtime import log
from mentoring.realtime.events import encode, send_after_commit, send_now
from mentoring.rules.visibility import (
    author_name_for,
    author_visible,
    board_lists_threads_to_members,
    post_text_visible,
)


def thread_group(thread_id: int) -> str:
    return f"mentoring.thread.{thread_id}"


def board_group(board_id: int) -> str:
    return f"mentoring.board.{board_id}"


# --- Boards ---------------------------------------------------------------------------------
def thread_published(thread) -> None:
    """A thread is now on its board for members to see (started now, or a scheduled prompt
    going out): open pages of the board offer to show it. Not on "Ask a tutor", where each
    member sees only their own threads: watchers there would learn that someone asked."""
    if not board_lists_threads_to_members(thread.board):
        return
    event = BoardUpdated(board_id=thread.board_id)
    send_after_commit(lambda: send_now(board_group(thread.board_id), event))


def thread_moderated(thread) -> None:
    """A tutor pinned, unpinned, locked or unlocked ``thread``: its open pages fetch its state
    (badges, buttons, the reply form) and open pages of its board their list (pinned first).
    The board hears of it only where members see the board's threads and the thread is out
    (a scheduled thread is the tutors' alone)."""
    event = ThreadModerated(
        thread=ModeratedThread(
            id=thread.pk,
            board_id=thread.board_id,
            pinned=thread.pinned_at is not None,
            locked=thread.locked_at is not None,
        )
    )
    streams = [thread_group(thread.pk)]
    if not thread.is_scheduled and board_lists_threads_to_members(thread.board):
        streams.append(board_group(thread.board_id))

    def send() -> None:
        for stream in streams:
            send_now(stream, event)

    send_after_commit(send)


# --- Threads and posts ----------------------------------------------------------------------
def _post_shape(post, *, for_tutors: bool) -> dict:
    """A post as a thread's watchers may see it. Peers never get an anonymous author's name or
    id; a hidden post's text goes to tutors only."""
    # ``viewer=None``: the peers' version goes to every watcher, the author included.
    named = author_visible(post, viewer=None, viewer_is_tutor=for_tutors)
    return {
        "id": post.pk,
        "thread_id": post.thread_id,
        "reply_to": post.reply_to_id,
        "author": author_name_for(post, viewer=None, viewer_is_tutor=for_tutors),
        "author_id": post.author_id if named else None,
        "anonymous": post.anonymous,
        "body_html": post.body_html if post_text_visible(post, viewer_is_tutor=for_tutors) else "",
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "editable_until": post.editable_until,
        "hidden": post.hidden_at is not None,
        "retracted": False,
    }


def _send_post(kind: str, post) -> None:
    # Built now, from the post as this transaction wrote it; sent once it commits.
    event = PostEvent(type=kind, post=_post_shape(post, for_tutors=False))
    # Only where the two differ does the event carry a tutors' version.
    differs = post.anonymous or post.hidden_at is not None
    tutor_event = PostEvent(type=kind, post=_post_shape(post, for_tutors=True)) if differs else None
    stream = thread_group(post.thread_id)
    send_after_commit(lambda: send_now(stream, event, tutor_event))


def post_created(post) -> None:
    _send_post("post.created", post)


def post_edited(post) -> None:
    """An edit: the log's earlier events about the post are given its current text in the
    editing transaction (as retraction and hiding redact them), so replaying the thread with
    ``?since=`` never shows words edited away."""
    member = PostEvent(type="post.edited", post=_post_shape(post, for_tutors=False))
    tutor = PostEvent(type="post.edited", post=_post_shape(post, for_tutors=True))
    differs = post.anonymous or post.hidden_at is not None
    log.rewrite_post(
        thread_group(post.thread_id),
        post_id=post.pk,
        member_post=member.post.model_dump_json(),
        tutor_post=tutor.post.model_dump_json() if differs else None,
    )
    _send_post("post.edited", post)


def post_hidden(post) -> None:
    """A tutor hid or unhid a post (a fourth post event beside created, edited and retracted:
    docs/api.md)."""
    if post.hidden_at is not None:
        # Members replaying the thread's log get the hidden post, not its earlier text.
        hidden = PostEvent(type="post.hidden", post=_post_shape(post, for_tutors=False))
        log.redact(
            thread_group(post.thread_id),
            path="post,id",
            object_id=post.pk,
            text=encode(hidden),
            tutors_too=False,
        )
    _send_post("post.hidden", post)


def post_retracted(*, post_id: int, thread_id: int, tombstone: bool) -> None:
    """The text is gone, so the event carries none: only which post, and whether a tombstone
    stays (replies hang on it) or the post disappears. The log's earlier events about the post
    are rewritten to this one in the retracting transaction: a replay never brings the text
    back."""
    event = PostRetracted(post=RetractedPost(id=post_id, thread_id=thread_id, tombstone=tombstone))
    stream = thread_group(thread_id)
    log.redact(stream, path="post,id", object_id=post_id, text=encode(event), tutors_too=True)
    send_after_commit(lambda: send_now(stream, event))


def post_reacted(*, post_id: int, thread_id: int) -> None:
    """A reaction given or taken back: the event says which post only (no names, no counts),
    and each open page fetches the post as its reader may see it."""
    event = PostReacted(post=ReactedPost(id=post_id, thread_id=thread_id))
    stream = thread_group(thread_id)
    send_after_commit(lambda: send_now(stream, event))
