"""Moderation: tutors hide and unhide posts, pin and lock threads; members flag posts for a
tutor to look at."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from mentoring.boards import events
from mentoring.boards.services.posts import visible_thread_or_404
from mentoring.core.errors import Forbidden, Invalid, NotFound
from mentoring.core.ratelimit import check_rate
from mentoring.inbox.services import inbox
from mentoring.models import Notification, Post, PostFlag, Thread, User
from mentoring.notifications.services.notifications import notify, withdraw_notifications_about
from mentoring.rules.permissions import can_moderate, refuse_unless_cohort_writable


def _moderated_post(*, post: Post | int, by: User) -> Post:
    post_id = post.pk if isinstance(post, Post) else post
    locked = (
        Post.objects.select_for_update(of=("self",))
        .select_related("cohort", "thread")
        .filter(pk=post_id)
        .first()
    )
    if locked is None or not can_moderate(by, locked.cohort):
        if locked is not None:
            visible_thread_or_404(user=by, thread_id=locked.thread_id)
            raise Forbidden("forbidden", "Only the cohort's tutors can moderate posts.")
        raise NotFound("There is no such post.")
    refuse_unless_cohort_writable(locked.cohort)
    return locked


@transaction.atomic
def hide_post(*, post: Post | int, by: User, reason: str) -> Post:
    """A tutor hides a post from members, with a reason the author sees. Reversible; the text
    is kept (unlike a retraction, which is the author's own decision).

    The notifications that quote the post (replies to others) are withdrawn, and with them any
    email not yet sent: a hidden post must not stay readable in someone's inbox. Unhiding does
    not send them again; the post is back on the thread for whoever looks."""
    post = _moderated_post(post=post, by=by)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid("invalid", "Say why the post is hidden.", field="reason")
    if len(reason) > 500:
        raise Invalid("invalid", "Keep the reason under 500 characters.", field="reason")
    if post.is_retracted:
        raise Invalid("invalid", "A retracted post has nothing left to hide.")
    now = timezone.now()
    post.hidden_at, post.hidden_by, post.hidden_reason = now, by, reason
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if PostFlag.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=by
    ):
        inbox.flags_closed(cohort_id=post.cohort_id)
    withdraw_notifications_about(post=post, keep_kinds=(Notification.Kind.MODERATION,))
    if post.author_id != by.pk:
        notify(
            user=post.author,
            kind=Notification.Kind.MODERATION,
            title=f"A tutor hid your post in “{post.thread.title}”",
            body=f"Reason: {reason}",
            url=post.get_absolute_url(),
            cohort=post.cohort,
            post=post,
        )
    events.post_hidden(post)
    return post


@transaction.atomic
def unhide_post(*, post: Post | int, by: User) -> Post:
    post = _moderated_post(post=post, by=by)
    post.hidden_at, post.hidden_by, post.hidden_reason = None, None, ""
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    events.post_hidden(post)
    return post


@transaction.atomic
def flag_post(*, post: Post | int, by: User, reason: str = "") -> PostFlag:
    """A member asks the tutors to look at a post; flagging twice changes nothing."""
    post_id = post.pk if isinstance(post, Post) else post
    found = (
        Post.objects.select_related("thread", "author", "cohort")
        .filter(pk=post_id, retracted_at__isnull=True)
        .first()
    )
    if found is None:
        raise NotFound("There is no such post.")
    visible_thread_or_404(user=by, thread_id=found.thread_id)
    refuse_unless_cohort_writable(found.cohort)
    check_rate("flag", user=by)
    reason = " ".join((reason or "").split())[:500]
    flag, created = PostFlag.objects.get_or_create(
        post=found, flagged_by=by, defaults={"reason": reason}
    )
    reopened = flag.resolved_at is not None
    if reopened:  # Flagged again after a tutor looked: back in the queue.
        flag.resolved_at, flag.resolved_by, flag.reason = None, None, reason or flag.reason
        flag.save(update_fields=["resolved_at", "resolved_by", "reason"])
    if created or reopened:
        inbox.flag_opened(flag=flag, post=found)
    return flag


@transaction.atomic
def resolve_flag(*, flag: PostFlag | int, by: User) -> PostFlag:
    flag_id = flag.pk if isinstance(flag, PostFlag) else flag
    found = PostFlag.objects.select_related("post__cohort").filter(pk=flag_id).first()
    if found is None or not can_moderate(by, found.post.cohort):
        raise NotFound("There is no such flag.")
    refuse_unless_cohort_writable(found.post.cohort)
    if found.resolved_at is None:
        found.resolved_at, found.resolved_by = timezone.now(), by
        found.save(update_fields=["resolved_at", "resolved_by"])
        inbox.flags_closed(cohort_id=found.post.cohort_id)
    return found


def _moderated_thread(*, thread: Thread | int, by: User) -> Thread:
    """The thread, row-locked, if ``by`` tutors its cohort: someone who cannot see it learns
    nothing (NotFound), a member who can is refused (Forbidden)."""
    thread_id = thread.pk if isinstance(thread, Thread) else thread
    visible = visible_thread_or_404(user=by, thread_id=thread_id)
    if not can_moderate(by, visible.cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can pin or lock threads.")
    refuse_unless_cohort_writable(visible.cohort)
    locked = Thread.objects.select_for_update(of=("self",)).get(pk=visible.pk)
    locked.board, locked.cohort = visible.board, visible.cohort
    return locked


def _set_thread_time(*, thread: Thread | int, by: User, field: str, on: bool) -> Thread:
    found = _moderated_thread(thread=thread, by=by)
    if (getattr(found, field) is not None) != on:  # pinning twice keeps the first time
        setattr(found, field, timezone.now() if on else None)
        found.save(update_fields=[field])
        events.thread_moderated(found)
    return found


@transaction.atomic
def pin_thread(*, thread: Thread | int, by: User) -> Thread:
    """A tutor pins a thread: it lists first on its board until unpinned. Idempotent."""
    return _set_thread_time(thread=thread, by=by, field="pinned_at", on=True)


@transaction.atomic
def unpin_thread(*, thread: Thread | int, by: User) -> Thread:
    return _set_thread_time(thread=thread, by=by, field="pinned_at", on=False)


@transaction.atomic
def lock_thread(*, thread: Thread | int, by: User) -> Thread:
    """A tutor locks a thread: nobody (tutors included) adds a post until it is unlocked, so a
    lock means the same for everyone. Reading, editing within the grace period, retracting,
    reacting and flagging go on. Idempotent."""
    return _set_thread_time(thread=thread, by=by, field="locked_at", on=True)


@transaction.atomic
def unlock_thread(*, thread: Thread | int, by: User) -> Thread:
    return _set_thread_time(thread=thread, by=by, field="locked_at", on=False)
