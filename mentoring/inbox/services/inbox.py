"""Telling the tutors: a private question, a flag, a thread nobody answered — and the inbox.

The boards services call these hooks inside their transaction. Each tutor of the cohort gets a
notification (live, in /notifications/, by email per their preference) and open inbox pages
refresh over the dashboard socket (``inbox.updated``, sent after commit). Tutors always see who
wrote a post, so naming the author here never breaks anonymity to peers: nothing here goes to
members.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mentoring.core.errors import NotFound
from mentoring.core.rendering import excerpt
from mentoring.inbox import events
from mentoring.inbox.selectors import unanswered_threads
from mentoring.models import Board, Cohort, Membership, Notification, Post, PostFlag, Thread, User
from mentoring.notifications.services.notifications import Notice, notify, notify_many
from mentoring.rules.permissions import is_tutor
from mentoring.rules.visibility import author_name_for, thread_author_name


def _tutors(cohort_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__cohort_id=cohort_id, memberships__role=Membership.Role.TUTOR
        ).order_by("pk")
    )


def post_added(*, post: Post, thread: Thread, author_is_tutor: bool) -> None:
    """Called for every new post: a member's post on "Ask a tutor" is a question for the
    tutors; a tutor's answer, or a first reply to someone's thread, may empty an inbox item."""
    private = thread.board.kind == Board.Kind.PRIVATE
    if private and not author_is_tutor:
        what = "asked" if post.pk == thread.first_post_id else "added to their question"
        notify_many(
            Notice(
                user=tutor,
                kind=Notification.Kind.QUESTION,
                title=f"{_name_for_tutors(post)} {what} on Ask a tutor: “{thread.title}”",
                body=excerpt(post.body_html, 300),
                url=post.get_absolute_url(),
                cohort=post.cohort,
                post=post,
            )
            for tutor in _tutors(post.cohort_id)
        )
        events.inbox_updated(post.cohort_id)
        return
    if private or (_may_be_waiting(post, thread) and _is_second_author(post, thread)):
        events.inbox_updated(post.cohort_id)
    elif post.pk == thread.first_post_id and not author_is_tutor:
        _check_unanswered_later(thread=thread, cohort=post.cohort)


def _may_be_waiting(post: Post, thread: Thread) -> bool:
    """Only a member's thread older than the cohort's ``unanswered_hours`` can be in the inbox
    as unanswered, and only someone else's post can answer it (cheap checks, no query)."""
    due = thread.created_at + timedelta(hours=post.cohort.unanswered_hours)
    return (
        post.author_id != thread.author_id
        and due <= timezone.now()
        and not is_tutor(thread.author, post.cohort)
    )


def _name_for_tutors(post: Post) -> str:
    """Tutors always see who wrote a post (``rules.visibility``)."""
    return author_name_for(post, viewer=None, viewer_is_tutor=True)


def _is_second_author(post: Post, thread: Thread) -> bool:
    """The first post in the thread by anyone but its author: it may have been waiting."""
    return (
        not Post.objects.filter(thread_id=thread.pk)
        .exclude(author_id=thread.author_id)
        .exclude(pk=post.pk)
        .exists()
    )


def post_removed(*, post: Post) -> None:
    """A retraction can take away a question or a flag, or bring back an unanswered thread:
    refresh open inboxes then (call it before the post's flags are deleted)."""
    thread = post.thread
    if (
        thread.board.kind == Board.Kind.PRIVATE
        or _may_be_waiting(post, thread)
        or PostFlag.objects.filter(post=post, resolved_at__isnull=True).exists()
    ):
        events.inbox_updated(post.cohort_id)


def flag_opened(*, flag: PostFlag, post: Post) -> None:
    """A member flagged a post (or flagged it again after a tutor looked)."""
    thread = post.thread
    for tutor in _tutors(post.cohort_id):
        notify(
            user=tutor,
            kind=Notification.Kind.FLAG,
            title=f"{flag.flagged_by.shown_name} flagged a post by "
            f"{_name_for_tutors(post)} in “{thread.title}”",
            body=f"Reason: {flag.reason}" if flag.reason else excerpt(post.body_html, 300),
            url=post.get_absolute_url(),
            cohort=post.cohort,
            post=post,
        )
    events.inbox_updated(post.cohort_id)


def flags_closed(*, cohort_id: int) -> None:
    events.inbox_updated(cohort_id)


@transaction.atomic
def dismiss(*, cohort: Cohort, kind: str, thread_id: int, post_id: int | None, by: User) -> int:
    """A tutor takes an item out of the inbox without answering: a question or an unanswered
    thread is dismissed (a member's later post on "Ask a tutor" brings a question back); a
    flagged post's open flags are resolved. Returns how many rows changed."""
    if not is_tutor(by, cohort):
        raise NotFound("There is no such cohort.")
    now = timezone.now()
    if kind == "flag":
        changed = PostFlag.objects.filter(
            post_id=post_id,
            post__thread_id=thread_id,
            post__cohort=cohort,
            resolved_at__isnull=True,
        ).update(resolved_at=now, resolved_by=by)
    else:
        changed = Thread.objects.filter(pk=thread_id, cohort=cohort).update(inbox_dismissed_at=now)
    if not changed:
        raise NotFound("There is no such item in this cohort's inbox.")
    events.inbox_updated(cohort.pk)
    return changed


# --- Unanswered threads: checked in the background when they come due ---------------------
def _check_unanswered_later(*, thread: Thread, cohort: Cohort) -> None:
    """Queue the cohort's unanswered check for when this thread comes due (ids only)."""
    due = thread.created_at + timedelta(hours=cohort.unanswered_hours)
    transaction.on_commit(
        lambda: check_unanswered.using(run_after=due).enqueue(cohort.pk)  # type: ignore[attr-defined]
    )


@task()
def check_unanswered(cohort_id: int) -> int:
    """Background: tell the tutors about the cohort's threads now due (see below)."""
    return notify_unanswered(cohort_id=cohort_id)


@transaction.atomic
def notify_unanswered(*, cohort_id: int, now: datetime | None = None) -> int:
    """Tell the tutors about each of the cohort's threads that has now waited its
    ``unanswered_hours`` with no reply, once per thread. Idempotent: the claim is an UPDATE
    of ``unanswered_notified_at`` that only one run can win. Returns how many were told."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        return 0
    now = now or timezone.now()
    due = (
        unanswered_threads(cohort=cohort, now=now)
        .filter(unanswered_notified_at__isnull=True)
        .select_for_update(of=("self",), skip_locked=True)
        .select_related("author")
    )
    claimed = list(due)
    if not claimed:
        return 0
    Thread.objects.filter(pk__in=[t.pk for t in claimed]).update(unanswered_notified_at=now)
    tutors = _tutors(cohort_id)
    # About the opening post, so that its author retracting it withdraws these too.
    openers = Post.objects.in_bulk([t.first_post_id for t in claimed if t.first_post_id])
    notify_many(
        Notice(
            user=tutor,
            kind=Notification.Kind.UNANSWERED,
            title=f"No reply for {cohort.unanswered_hours} hours: “{thread.title}” "
            f"by {thread_author_name(thread, viewer=tutor, viewer_is_tutor=True)}",
            url=thread.get_absolute_url(),
            cohort=cohort,
            post=openers.get(thread.first_post_id),
            thread=thread,
        )
        for thread in claimed
        for tutor in tutors
    )
    events.inbox_updated(cohort_id)
    return len(claimed)


def sweep_unanswered() -> int:
    """Catch up on every cohort (after an outage, or a changed ``unanswered_hours``)."""
    return sum(
        notify_unanswered(cohort_id=pk) for pk in Cohort.objects.values_list("pk", flat=True)
    )
