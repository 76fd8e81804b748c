"""Writing the access log members read: who opened or exported what about them, and when.

Called by the views that show one member's data to someone else (a tutor reading a member's
question to the tutors, a participation CSV), and by the account export and erasure services.
An entry is never written for a member looking at their own data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from mentoring.models import AccessLogEntry, Board, Cohort, Thread, User

Action = AccessLogEntry.Action


def _actor_name(actor: User | None) -> str:
    if actor is None:
        return "Staffroom"  # a command or job acting on its own (an operator's erasure)
    return actor.shown_name or actor.username


def record_access(
    *,
    actor: User | None,
    subject: User,
    action: str,
    cohort: Cohort | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> AccessLogEntry | None:
    """Log that ``actor`` did ``action`` (an ``AccessLogEntry.Action``) to ``subject``'s data.

    ``detail`` is a short text the member reads ("Thread: Behaviour in Year 9"), cut to 200
    characters. Nothing is logged when the actor is the subject. Returns the entry or None.
    """
    if actor is not None and actor.pk == subject.pk:
        return None
    return AccessLogEntry.objects.create(
        actor=actor,
        actor_name=_actor_name(actor),
        subject=subject,
        cohort=cohort,
        action=Action(action),
        detail=detail[:200],
        created_at=now or timezone.now(),
    )


def record_access_many(
    *,
    actor: User,
    subject_ids: Iterable[int],
    action: str,
    cohort: Cohort | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> int:
    """``record_access`` for many members at once (an export naming them all): one INSERT per
    thousand. Returns the entries written."""
    at = now or timezone.now()
    name = _actor_name(actor)
    entries = [
        AccessLogEntry(
            actor=actor,
            actor_name=name,
            subject_id=pk,
            cohort=cohort,
            action=Action(action),
            detail=detail[:200],
            created_at=at,
        )
        for pk in subject_ids
        if pk != actor.pk
    ]
    AccessLogEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def record_private_question_read(*, reader: User, thread: Thread) -> AccessLogEntry | None:
    """A tutor (or staff member) opened a member's "Ask a tutor" thread: logged for its author,
    at most once per reader and thread every READ_EVENT_THROTTLE_SECONDS (a page reloaded or
    paged through is one reading)."""
    if thread.board.kind != Board.Kind.PRIVATE or thread.author_id in (None, reader.pk):
        return None
    now = timezone.now()
    since = now - timedelta(seconds=settings.READ_EVENT_THROTTLE_SECONDS)
    detail = f"Question: {thread.title}"
    recent = AccessLogEntry.objects.filter(
        actor=reader,
        subject_id=thread.author_id,
        action=Action.PRIVATE_QUESTION_READ,
        detail=detail[:200],
        created_at__gte=since,
    )
    if recent.exists():
        return None
    return record_access(
        actor=reader,
        subject=thread.author,
        action=Action.PRIVATE_QUESTION_READ,
        cohort=thread.cohort,
        detail=detail,
        now=now,
    )
