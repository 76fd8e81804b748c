"""In-app notifications (live over /ws/notifications/) and their emails (in the background)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentoring.core.errors import ServiceError
from mentoring.models import Cohort, Notification, Post, Thread, User
from mentoring.notifications.tasks import schedule_notification_email
from mentoring.realtime import events


@transaction.atomic
def notify(
    *,
    user: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    cohort: Cohort | None = None,
    post: Post | None = None,
    thread: Thread | None = None,
) -> Notification:
    """Notify ``user``; pass ``post`` when it is about a post, so retracting it withdraws this,
    and ``thread`` when it quotes a thread (its title) without being about one post.

    An email, if the user wants one as it happens, is due no earlier than the end of the grace
    period of every post whose words it quotes — the post's, and the thread's opening post's for
    its title (as Moodle waits out its editing time) — so retracted words never reach an inbox.
    The queued task carries only the notification's id, never its text.
    """
    now = timezone.now()
    if post is not None and thread is None:
        thread = post.thread
    email_due_at = None
    if user.email and user.email_preference == User.EmailPreference.IMMEDIATE:
        email_due_at = max([now, *_quoted_until(post=post, thread=thread)])
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        title=title[:200],
        body=body,
        url=url,
        cohort=cohort,
        post=post,
        thread=thread,
        email_due_at=email_due_at,
    )
    events.notification_created(notification)
    if email_due_at is not None:
        transaction.on_commit(lambda: schedule_notification_email(notification.pk, email_due_at))
    return notification


def _quoted_until(*, post: Post | None, thread: Thread | None) -> list:
    """When the words a notification quotes stop being retractable."""
    until = [post.editable_until] if post is not None else []
    if thread is not None:
        opening = (
            Post.objects.filter(thread_id=thread.pk)
            .order_by("created_at", "pk")
            .values_list("editable_until", flat=True)
            .first()
        )
        if opening is not None:
            until.append(opening)
    return until


@transaction.atomic
def withdraw_notifications_about(*, post: Post, keep_kinds: tuple[str, ...] = ()) -> int:
    """Delete the notifications about ``post`` (and so any email not yet sent), except those
    of ``keep_kinds`` (a hidden post's author keeps the notice that says why)."""
    withdrawn = list(
        Notification.objects.filter(post=post)
        .exclude(kind__in=keep_kinds)
        .values_list("pk", "user_id")
    )
    Notification.objects.filter(pk__in=[pk for pk, _ in withdrawn]).delete()
    for pk, user_id in withdrawn:
        events.notification_withdrawn(user_id=user_id, notification_id=pk)
    return len(withdrawn)


def mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications (or the given ones) as read; returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def set_email_preference(*, user: User, preference: str) -> User:
    """How a user hears about replies by email: as it happens, a daily digest, or not at all."""
    if preference not in User.EmailPreference.values:
        raise ServiceError("invalid", "Choose one of the offered options.", field="preference")
    User.objects.filter(pk=user.pk).update(email_preference=preference)
    user.email_preference = preference
    return user


def mark_read_for_target(*, user: User, path: str) -> int:
    """Mark read the user's notifications that point at ``path`` (a page they just opened):
    opening what a notification is about is reading it. Links may carry a ``#post-…`` anchor
    or a query string; the page is the same."""
    if not user.is_authenticated:
        return 0
    return (
        Notification.objects.filter(user=user, read_at__isnull=True)
        .filter(Q(url=path) | Q(url__startswith=path + "#") | Q(url__startswith=path + "?"))
        .update(read_at=timezone.now())
    )
