"""Watching, tracking and muting threads and boards (Discourse's levels), and who hears of a post.

Levels, a thread's own else its board's, else ``tracking``:

- ``watching``: a notification of every new post (on a board: in every thread of it that has no
  level of its own), e-mailed as the account's e-mail choice says;
- ``tracking`` (the default): unread counts shown; notified when mentioned or replied to;
- ``normal``: notified when mentioned or replied to, no unread counts;
- ``muted``: nothing: no unread counts, and no notification about its posts at all, mentions
  and replies included. The tutors' duties still reach a tutor (a question on "Ask a tutor", a
  flag, an unanswered thread): those are not about following a conversation.

Starting or replying to a thread watches it, unless the user has chosen a level for it (a
muted thread stays muted). The account-wide e-mail choice stays the global switch: a
notification is e-mailed only as it says. A watcher is told only while they can see the thread
(``thread_audience``), and the post's author is named as they may see them (an anonymous
author stays "a member of this cohort" to peers).

A thread with more than ``WATCHERS_IN_REQUEST`` watchers hears of a post from the worker
(``notify_watchers_of``, queued when the post commits), so a post to a busy thread costs its
request what one to a quiet thread does (issue 24); a post retracted or hidden before the
worker gets to it is told to no one.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from mentoring.boards.selectors import (
    Following,
    Level,
    board_following,
    muted_in,
    thread_following,
    visible_board,
    visible_thread,
    watchers,
)
from mentoring.core.errors import Invalid, NotFound
from mentoring.core.ratelimit import check_rate
from mentoring.core.rendering import excerpt
from mentoring.models import Board, Membership, Notification, Post, Subscription, Thread, User
from mentoring.notifications.services.notifications import Notice, notify_many
from mentoring.rules.visibility import author_name_for


def _level(level: str | None) -> str:
    if level not in Level.values:
        raise Invalid(
            "invalid_level",
            "Choose watching, tracking, normal or muted.",
            field="level",
        )
    return level


def _visible_thread(user: User, thread_id: int) -> Thread:
    thread = visible_thread(user=user, thread_id=thread_id)
    if thread is None:
        raise NotFound("There is no such thread, or you cannot see it.")
    return thread


def _visible_board(user: User, board_id: int) -> Board:
    board = visible_board(user=user, board_id=board_id)
    if board is None:
        raise NotFound("There is no such board, or you cannot see it.")
    return board


def thread_level(*, user: User, thread_id: int) -> tuple[Thread, Following]:
    """The thread (if ``user`` may see it, else ``NotFound``) and their level for it."""
    thread = _visible_thread(user, thread_id)
    return thread, thread_following(user=user, thread=thread)


def board_level(*, user: User, board_id: int) -> tuple[Board, Following]:
    """The board (if ``user`` may see it, else ``NotFound``) and their level for it."""
    board = _visible_board(user, board_id)
    return board, board_following(user=user, board=board)


@transaction.atomic
def set_thread_level(*, user: User, thread_id: int, level: str | None) -> Following:
    """Choose how closely ``user`` follows a thread they can see. Archived cohorts too: it
    changes nothing anyone else reads."""
    thread = _visible_thread(user, thread_id)  # before anything about the input: 404 first
    level = _level(level)
    check_rate("watch", user=user)
    Subscription.objects.update_or_create(
        user=user,
        thread=thread,
        defaults={
            "cohort_id": thread.cohort_id,
            "level": level,
            "chosen": True,
            "updated_at": timezone.now(),
        },
    )
    return thread_following(user=user, thread=thread)


@transaction.atomic
def set_board_level(*, user: User, board_id: int, level: str | None) -> Following:
    """Choose how closely ``user`` follows a board they can see (its threads without a level of
    their own follow it)."""
    board = _visible_board(user, board_id)
    level = _level(level)
    check_rate("watch", user=user)
    Subscription.objects.update_or_create(
        user=user,
        board=board,
        defaults={"cohort_id": board.cohort_id, "level": level, "updated_at": timezone.now()},
    )
    return board_following(user=user, board=board)


def watch_by_default(*, user: User, thread: Thread) -> None:
    """``user`` started or replied to ``thread``: they watch it, unless they already have a level
    for it (theirs, or this default from before)."""
    Subscription.objects.bulk_create(
        [
            Subscription(
                user=user,
                thread=thread,
                cohort_id=thread.cohort_id,
                level=Level.WATCHING,
                chosen=False,
            )
        ],
        ignore_conflicts=True,
    )


def without_muted(*, thread: Thread, user_ids: set[int]) -> set[int]:
    """``user_ids`` less those who muted ``thread`` (its own level, else its board's)."""
    return set(user_ids) - muted_in(thread=thread, user_ids=set(user_ids))


# More watchers than this (counted roughly: thread and board levels alike) and they hear of a
# post from the worker.
WATCHERS_IN_REQUEST = 20


def tell_watchers(*, post: Post, thread: Thread) -> None:
    """After a new post: its thread's watchers hear of it now if they are few, else from the
    worker once the post has committed (``notify_watchers_of``)."""
    watching = Subscription.objects.filter(
        Q(thread=thread) | Q(board_id=thread.board_id, thread__isnull=True),
        level=Level.WATCHING,
    )
    if watching[: WATCHERS_IN_REQUEST + 1].count() <= WATCHERS_IN_REQUEST:
        notify_watchers(post=post, thread=thread)
    else:
        post_id = post.pk
        transaction.on_commit(lambda: notify_watchers_of.enqueue(post_id))


@task()
def notify_watchers_of(post_id: int) -> int:
    """Background: tell a busy thread's watchers about a post, unless it was retracted or
    hidden since. The post's row is locked first: a retraction running at the same time
    either comes before (nothing is told) or waits and withdraws what this told."""
    with transaction.atomic():
        post = (
            Post.objects.select_for_update(of=("self",))
            .select_related("thread__cohort", "author")
            .filter(pk=post_id, retracted_at__isnull=True, hidden_at__isnull=True)
            .first()
        )
        return 0 if post is None else notify_watchers(post=post, thread=post.thread)


def notify_watchers(*, post: Post, thread: Thread) -> int:
    """Tell everyone watching ``thread`` (and able to see it) about ``post``, except its author
    and anyone already told about this post (a reply to them, a mention): one notification per
    person per post. Returns how many were told."""
    if thread.state != Thread.State.PUBLISHED:
        return 0  # a scheduled thread is announced when it goes out
    told = set(Notification.objects.filter(post=post).values_list("user_id", flat=True))
    opening = post.pk == thread.first_post_id
    what = "started" if opening else "posted in"
    body, url = excerpt(post.body_html, 300), post.get_absolute_url()  # the same for everyone
    notices = []
    for membership in watchers(thread=thread):
        user = membership.user
        if user.pk == post.author_id or user.pk in told:
            continue
        told.add(user.pk)
        tutor = membership.role == Membership.Role.TUTOR
        name = author_name_for(post, viewer=user, viewer_is_tutor=tutor)
        notices.append(
            Notice(
                user=user,
                kind=Notification.Kind.WATCHED,
                title=f"{name[:1].upper()}{name[1:]} {what} “{thread.title}”",
                body=body,
                url=url,
                cohort=thread.cohort,
                post=post,
            )
        )
    return len(notify_many(notices))
