"""Scheduled prompts: a tutor writes a thread now, or a term's weekly prompts at once, and the
background worker publishes each at its time.

Until then a scheduled thread is the tutors' alone (the board selectors hide it from members).
Publishing is a state change claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` in the same
transaction as the members' notifications: two workers, or a task run twice after a restart,
publish a thread exactly once; a worker that dies mid-way rolls back and the next run (the
queued task, or ``manage.py publish_scheduled``) picks it up. The queue holds no text, only the
fact that something is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks import task

from mentoring.boards import events
from mentoring.boards.selectors import visible_board
from mentoring.boards.services import posts, subscriptions
from mentoring.core.errors import Forbidden, Invalid, NotFound
from mentoring.core.rendering import excerpt
from mentoring.core.validation import SCHEDULE_HORIZON, within_schedule_horizon
from mentoring.models import (
    MAX_PROMPTS,
    Board,
    Cohort,
    Membership,
    Notification,
    Post,
    Thread,
    User,
)
from mentoring.notifications.services.notifications import (
    Notice,
    notify_many,
    withdraw_notifications_about,
)
from mentoring.rules.permissions import is_tutor, refuse_unless_cohort_writable
from mentoring.rules.visibility import thread_author_name


@dataclass(frozen=True)
class Prompt:
    title: str
    body: str
    publish_at: datetime


def _check_schedulable(*, board: Board, by: User, publish_at: datetime, now: datetime) -> None:
    _check_scheduler(board=board, by=by)
    _check_publish_at(publish_at, now=now)


def _check_scheduler(*, board: Board, by: User) -> None:
    checked = visible_board(user=by, board_id=board.pk)
    if checked is None:
        raise NotFound("There is no such board, or you cannot see it.")
    if not is_tutor(by, checked.cohort):
        raise Forbidden("tutors_only", "Only the cohort's tutors can schedule threads.")
    refuse_unless_cohort_writable(checked.cohort)
    if board.kind == Board.Kind.PRIVATE:
        raise Invalid(
            "invalid", "Ask a tutor is for members' questions: schedule prompts elsewhere."
        )


def _check_publish_at(publish_at: datetime, *, now: datetime) -> None:
    if timezone.is_naive(publish_at):
        raise Invalid("invalid", "Give publish_at with a time zone.", field="publish_at")
    if publish_at <= now:
        raise Invalid("invalid", "publish_at must be in the future.", field="publish_at")
    if not within_schedule_horizon(publish_at, now=now):
        years = SCHEDULE_HORIZON.days // 366
        raise Invalid(
            "invalid", f"publish_at must be within {years} years of today.", field="publish_at"
        )


@transaction.atomic
def schedule_thread(
    *, board: Board, author: User, title: str, body: str, publish_at: datetime
) -> Thread:
    """A tutor's thread that members see from ``publish_at`` on (and are told about then)."""
    _check_schedulable(board=board, by=author, publish_at=publish_at, now=timezone.now())
    thread = posts.create_thread(
        board=board, author=author, title=title, body=body, publish_at=publish_at
    )
    _queue(publish_at)
    return thread


@transaction.atomic
def schedule_series(*, board: Board, author: User, prompts: list[Prompt]) -> list[Thread]:
    """A term's worth of prompts at once: all scheduled, or (any invalid) none.

    The series is one action against the posting rate limit (a year of weekly prompts would
    otherwise never fit in a minute's budget), counted only once every prompt was checked: a
    refused series costs nothing."""
    if not prompts:
        raise Invalid("invalid", "Give at least one prompt.", field="prompts")
    if len(prompts) > MAX_PROMPTS:
        raise Invalid("invalid", f"At most {MAX_PROMPTS} prompts at once.", field="prompts")
    now = timezone.now()
    _check_scheduler(board=board, by=author)
    for number, prompt in enumerate(prompts, start=1):
        try:
            _check_publish_at(prompt.publish_at, now=now)
            posts.clean_title(prompt.title)
            posts.clean_body(prompt.body)
        except Invalid as error:
            raise Invalid(
                error.code,
                f"Prompt {number}: {error.detail}",
                field=f"prompts.{number - 1}.{error.extra.get('field') or 'publish_at'}",
            ) from error
    threads = posts.create_threads(
        board=board,
        author=author,
        drafts=[posts.NewThread(p.title, p.body, p.publish_at) for p in prompts],
    )
    for publish_at in sorted({p.publish_at for p in prompts}):
        _queue(publish_at)
    return threads


def _locked_scheduled(thread: Thread | int, *, by: User) -> Thread:
    """The scheduled thread, row locked (publishing skips locked rows), for a tutor of its
    cohort; NotFound for anyone else, whatever the thread (a scheduled thread is the tutors'
    alone), and already_published once it went out."""
    thread_id = thread.pk if isinstance(thread, Thread) else thread
    locked = (
        Thread.objects.select_for_update(of=("self",))
        .select_related("board", "cohort")
        .filter(pk=thread_id)
        .first()
    )
    if locked is None or not is_tutor(by, locked.cohort):
        raise NotFound("There is no such thread.")
    if not locked.is_scheduled:
        raise Invalid("already_published", "This thread is already published.")
    return locked


@transaction.atomic
def reschedule_thread(
    *,
    thread: Thread | int,
    by: User,
    publish_at: datetime | None = None,
    title: str | None = None,
    body: str | None = None,
) -> Thread:
    """Edit a scheduled prompt in place: move it, retitle it, rewrite its text (any of them;
    ``None`` keeps what it was). Its tutors only, and only before it goes out: once published
    it is a thread like any other (``already_published``; its author edits its text within the
    grace period). Every change is checked before any is made."""
    locked = _locked_scheduled(thread, by=by)
    _check_scheduler(board=locked.board, by=by)
    if publish_at is not None:
        _check_publish_at(publish_at, now=timezone.now())
    if title is not None:
        title = posts.clean_title(title)
    if body is not None:
        body = posts.clean_body(body)
    if publish_at is not None:
        locked.publish_at = publish_at
        # Its author may still change it until the grace period after the new time.
        Post.objects.filter(thread=locked).update(
            editable_until=publish_at + locked.cohort.grace_period
        )
        _queue(publish_at)
    if title is not None:
        locked.title = title
    locked.save(update_fields=["publish_at", "title"])
    if title is not None or body is not None:
        posts.rewrite_scheduled_opening(thread=locked, body=body)
    return locked


@transaction.atomic
def cancel_scheduled_thread(*, thread: Thread | int, by: User) -> None:
    """A tutor cancels a prompt before it goes out: the thread and its posts are deleted, so
    members never learn it existed, and the queued publishing finds nothing to do (it looks
    for due threads by state; there is no longer a row).

    Anyone who is not a tutor of the cohort gets NotFound, whatever the thread: a scheduled
    thread is the tutors' alone. One already published is refused (it is a thread now: retract
    or hide its posts instead)."""
    locked = _locked_scheduled(thread, by=by)
    refuse_unless_cohort_writable(locked.cohort)
    for post in Post.objects.filter(thread=locked):
        withdraw_notifications_about(post=post)  # a tutor mentioned in it hears no more
    Notification.objects.filter(thread=locked).delete()
    locked.delete()


SCHEDULE_ORDER = ("publish_at", "pk")


def scheduled_queryset(*, cohort: Cohort) -> QuerySet[Thread]:
    """What is scheduled in a cohort, soonest first (for its tutors; the API pages it)."""
    return (
        Thread.objects.filter(cohort=cohort, state=Thread.State.SCHEDULED)
        .select_related("board", "author", "first_post")
        .order_by(*SCHEDULE_ORDER)
    )


def scheduled_threads(*, cohort: Cohort) -> list[Thread]:
    """What is scheduled in a cohort, soonest first (for its tutors)."""
    return list(scheduled_queryset(cohort=cohort))


def _queue(publish_at: datetime) -> None:
    transaction.on_commit(lambda: publish_scheduled.using(run_after=publish_at).enqueue())


# --- Publishing -----------------------------------------------------------------------------
def publish_due(*, now: datetime | None = None) -> list[int]:
    """Publish every scheduled thread whose time has come; returns their ids.

    One transaction per thread, each claimed with SKIP LOCKED: a thread another worker is
    publishing is skipped, not waited for, and one that was published is never seen again.
    """
    now = now or timezone.now()
    published = []
    while True:
        with transaction.atomic():
            thread = (
                Thread.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("board", "cohort", "author")
                .filter(state=Thread.State.SCHEDULED, publish_at__lte=now)
                .exclude(pk__in=published)
                .order_by("publish_at", "pk")
                .first()
            )
            if thread is None:
                return published
            _publish(thread, now=now)
            published.append(thread.pk)


def _publish(thread: Thread, *, now: datetime) -> None:
    Thread.objects.filter(pk=thread.pk).update(
        state=Thread.State.PUBLISHED, created_at=now, last_activity_at=now
    )
    thread.state = Thread.State.PUBLISHED
    opening = Post.objects.filter(pk=thread.first_post_id).first() if thread.first_post_id else None
    if opening is None:  # retracted while scheduled: the thread went with it
        return
    # It is posted now: the grace period to edit or retract it runs from now.
    Post.objects.filter(pk=opening.pk).update(
        created_at=now, editable_until=now + thread.cohort.grace_period
    )
    opening.created_at, opening.editable_until = now, now + thread.cohort.grace_period
    members = User.objects.filter(
        memberships__cohort_id=thread.cohort_id, memberships__role=Membership.Role.MEMBER
    )
    if thread.board.restricted:
        members = members.filter(Q(restricted_boards=thread.board))
    members = list(members.order_by("pk"))
    # Members who muted the board hear nothing of it; watchers (tutors too) hear of it below.
    told = subscriptions.without_muted(thread=thread, user_ids={m.pk for m in members})
    notify_many(
        Notice(
            user=member,
            kind=Notification.Kind.PROMPT,
            title=f"{thread_author_name(thread, viewer=member, viewer_is_tutor=False)} "
            f"started “{thread.title}”",
            body=excerpt(opening.body_html, 300),
            url=thread.get_absolute_url(),
            cohort=thread.cohort,
            post=opening,
        )
        for member in members
        if member.pk in told
    )
    subscriptions.notify_watchers(post=opening, thread=thread)
    events.post_created(opening)
    events.thread_published(thread)


@task()
def publish_scheduled() -> int:
    """Background: publish what is due (whatever queued this run, so nothing is left behind)."""
    return len(publish_due())
