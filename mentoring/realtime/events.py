"""The one place that sends live events (as Zulip sends events only from its actions).

Services call these functions inside their transaction; each event is deferred with
``transaction.on_commit`` so nothing goes out for work that rolls back. Then, in the committing
thread: the event is built through its schema (``mentoring.realtime.schemas``), encoded once
per audience (members, and tutors where they may see more: an anonymous post's author),
logged with the stream's next ``seq`` (``mentoring.realtime.log``) and handed to the fan-out
(``mentoring.realtime.hub``), which neither blocks nor loses it.

A stream is one group, named from ids by one function each: a thread, a board, a cohort's
dashboard, a user's notifications.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, transaction

from mentoring.models import Board, Membership
from mentoring.notifications.selectors import notification_payload
from mentoring.participation.selectors.rows import member_rows_by_id
from mentoring.realtime import hub, log
from mentoring.realtime.schemas import (
    BoardUpdated,
    InboxUpdated,
    MemberUpdated,
    NotificationCreated,
    NotificationWithdrawn,
    PostEvent,
    PostReacted,
    PostRetracted,
    ReactedPost,
    RetractedPost,
    SolutionSaved,
    StreamMessage,
)
from mentoring.rules.visibility import (
    author_name_for,
    author_visible,
    board_lists_threads_to_members,
    post_text_visible,
)

logger = logging.getLogger(__name__)


def thread_group(thread_id: int) -> str:
    return f"mentoring.thread.{thread_id}"


def board_group(board_id: int) -> str:
    return f"mentoring.board.{board_id}"


def dashboard_group(cohort_id: int) -> str:
    return f"mentoring.dashboard.{cohort_id}"


def user_group(user_id: int) -> str:
    return f"mentoring.user.{user_id}"


# --- Sending --------------------------------------------------------------------------------
def _encode(event: StreamMessage) -> str:
    return event.model_dump_json(exclude={"seq"})


def send_now(stream: str, event: StreamMessage, tutor_event: StreamMessage | None = None) -> None:
    """Log and fan out one event now (call it after commit). ``tutor_event`` is the tutors'
    version where it differs."""
    member_text = _encode(event)
    tutor_text = _encode(tutor_event) if tutor_event is not None else None
    try:
        seq = log.append(stream, member_text, tutor_text)
    except DatabaseError:  # A lost live update must never break the request that caused it.
        logger.exception("could not log %s on %s", event.type, stream)
        return
    hub.publish(stream, seq, log.LoggedEvent(seq, member_text, tutor_text).texts())


def send_after_commit(build: Callable[[], None]) -> None:
    """Run ``build`` (which calls ``send_now``) once the current transaction commits."""

    def run() -> None:
        try:
            build()
        except Exception:
            logger.exception("could not send a live event")

    transaction.on_commit(run)


# --- Notifications --------------------------------------------------------------------------
def notification_created(notification) -> None:
    event = NotificationCreated(notification=notification_payload(notification))
    send_after_commit(lambda: send_now(user_group(notification.user_id), event))


def notification_rewritten(notification) -> None:
    """A notification's words changed (a retracted title taken out of it): the log's copy
    changes too, so a replay never brings the old words back."""
    event = NotificationCreated(notification=notification_payload(notification))
    log.redact(
        user_group(notification.user_id),
        path="notification,id",
        object_id=notification.pk,
        text=_encode(event),
        tutors_too=True,
    )


def notification_withdrawn(*, user_id: int, notification_id: int) -> None:
    event = NotificationWithdrawn(id=notification_id)
    # Now, in the withdrawing transaction: the logged notification quotes what was withdrawn.
    log.redact(
        user_group(user_id),
        path="notification,id",
        object_id=notification_id,
        text=_encode(event),
        tutors_too=True,
    )
    send_after_commit(lambda: send_now(user_group(user_id), event))


# --- Participation --------------------------------------------------------------------------
def member_updated(membership_id: int, cohort_id: int) -> None:
    """Send the member's fresh participation row to the cohort's dashboards after commit."""
    members_updated([membership_id], cohort_id)


def members_updated(membership_ids: list[int], cohort_id: int) -> None:
    """Send each member's fresh row after commit: read then, so it shows the committed
    counters, in one query for all of them, and for those members only."""
    ids = list(membership_ids)

    def send() -> None:
        for row in member_rows_by_id(membership_ids=ids):
            send_now(dashboard_group(cohort_id), MemberUpdated(member=row))

    send_after_commit(send)


def inbox_updated(cohort_id: int) -> None:
    """Something in the cohort's inbox changed: open inbox pages (on the dashboard socket, which
    only the cohort's tutors may open) refetch it. The message names no post or person."""
    event = InboxUpdated(cohort_id=cohort_id)
    send_after_commit(lambda: send_now(dashboard_group(cohort_id), event))


# --- Boards ---------------------------------------------------------------------------------
def thread_published(thread) -> None:
    """A thread is now on its board for members to see (started now, or a scheduled prompt
    going out): open pages of the board offer to show it. Not on "Ask a tutor", where each
    member sees only their own threads: watchers there would learn that someone asked."""
    if not board_lists_threads_to_members(thread.board):
        return
    event = BoardUpdated(board_id=thread.board_id)
    send_after_commit(lambda: send_now(board_group(thread.board_id), event))


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
            text=_encode(hidden),
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
    log.redact(stream, path="post,id", object_id=post_id, text=_encode(event), tutors_too=True)
    send_after_commit(lambda: send_now(stream, event))


def post_reacted(*, post_id: int, thread_id: int) -> None:
    """A reaction given or taken back: the event says which post only (no names, no counts),
    and each open page fetches the post as its reader may see it. Self-contained, so it moves
    with the reactions wherever live events end up."""
    event = PostReacted(post=ReactedPost(id=post_id, thread_id=thread_id))
    stream = thread_group(thread_id)
    send_after_commit(lambda: send_now(stream, event))


# --- Access taken away ----------------------------------------------------------------------
def _revoke_after_commit(revocation: hub.Revocation) -> None:
    send_after_commit(lambda: hub.revoke(revocation))


def membership_ended(*, user_id: int, cohort_id: int) -> None:
    """Removed from a cohort: close their sockets on its threads and dashboard (4403)."""
    _revoke_after_commit(hub.Revocation(user_id=user_id, cohort_id=cohort_id))


def cohort_left(*, user_id: int, cohort_id: int) -> None:
    """Removed from a cohort: the log of their notifications stream forgets the notices of
    their group's saved solutions there (a replay with ``?since=`` across the gap resyncs).
    Their notifications about the cohort are withdrawn one by one (``notification_withdrawn``).
    """
    group_ids = [
        str(pk)
        for pk in Board.objects.filter(
            cohort_id=cohort_id, scenario_group__isnull=False
        ).values_list("scenario_group", flat=True)
    ]
    if group_ids:
        log.forget(
            user_group(user_id), event_type="solution.saved", key="group_id", values=group_ids
        )


def token_revoked(*, token_id: int) -> None:
    _revoke_after_commit(hub.Revocation(token_id=token_id))


def session_ended(*, session_key: str) -> None:
    """Signed out: close the sockets that session opened."""
    _revoke_after_commit(hub.Revocation(session_key=session_key))


def sessions_invalidated(*, user_id: int) -> None:
    """A new password (or a deactivated account) ends every session of the user: close the
    sockets they opened; sockets on a still valid API token stay."""
    _revoke_after_commit(hub.Revocation(user_id=user_id, sessions_only=True))


def user_deactivated(*, user_id: int) -> None:
    _revoke_after_commit(hub.Revocation(user_id=user_id))


# --- Shared solutions (scenarios) -----------------------------------------------------------
def solution_saved(*, user_ids: list[int], payload: dict) -> None:
    """A group's shared solution has a new version: its members' open pages say so, without
    touching what they are typing. ``payload`` (``group_id``, ``version``, ``author``,
    ``saved_at``, ``saved_at_display``) is built by the scenarios app, which owns solutions."""
    event = SolutionSaved(**payload)
    # Only to members of the group's cohort still: someone removed from the cohort stays in
    # the group's list (scenarios owns it) but hears nothing more of it.
    user_ids = list(
        Membership.objects.filter(
            user_id__in=user_ids, cohort__boards__scenario_group=payload["group_id"]
        ).values_list("user_id", flat=True)
    )
    for user_id in user_ids:
        stream = user_group(user_id)
        send_after_commit(lambda stream=stream: send_now(stream, event))
