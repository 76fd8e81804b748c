"""Sending live events, for the features that own them (as Zulip sends events only from its
actions), and closing sockets whose access was taken away.

Each feature builds its own events in its ``events.py`` (``mentoring.boards.events``,
``mentoring.notifications.events``, ``mentoring.participation.events``,
``mentoring.inbox.events``, ``scenarios.events``) through its own schemas, and names its streams
there. Services call those functions inside their transaction; each event is deferred with
``send_after_commit`` so nothing goes out for work that rolls back. Then, in the committing
thread, ``send_now`` encodes it once per audience (members, and tutors where they may see more:
an anonymous post's author), logs it with the stream's next ``seq`` (``mentoring.realtime.log``)
and hands it to the fan-out (``mentoring.realtime.hub``), which neither blocks nor loses it.

This module knows no feature: a stream is a name, an event a ``StreamMessage``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, transaction

from mentoring.realtime import hub, log
from mentoring.realtime.schemas import StreamMessage

logger = logging.getLogger(__name__)


# --- Sending --------------------------------------------------------------------------------
def encode(event: StreamMessage) -> str:
    """The event's JSON without its seq (``log`` splices the seq in)."""
    return event.model_dump_json(exclude={"seq"})


def send_now(stream: str, event: StreamMessage, tutor_event: StreamMessage | None = None) -> None:
    """Log and fan out one event now (call it after commit). ``tutor_event`` is the tutors'
    version where it differs."""
    member_text = encode(event)
    tutor_text = encode(tutor_event) if tutor_event is not None else None
    try:
        seq = log.append(stream, member_text, tutor_text)
    except DatabaseError:  # A lost live update must never break the request that caused it.
        logger.exception("could not log %s on %s", event.type, stream)
        return
    hub.publish(stream, seq, log.LoggedEvent(seq, member_text, tutor_text).texts())


def send_many_now(events: list[tuple[str, StreamMessage]]) -> None:
    """Log and fan out one event on each of many streams now (call it after commit), the log's
    appends in one statement (``log.append_many``): a post's watchers told at once."""
    encoded = [(stream, encode(event), None) for stream, event in events]
    try:
        seqs = log.append_many(encoded)
    except DatabaseError:  # A lost live update must never break the request that caused it.
        logger.exception("could not log %d events", len(encoded))
        return
    for (stream, member_text, _), seq in zip(encoded, seqs, strict=True):
        hub.publish(stream, seq, log.LoggedEvent(seq, member_text, None).texts())


def send_after_commit(build: Callable[[], None]) -> None:
    """Run ``build`` (which calls ``send_now``) once the current transaction commits."""

    def run() -> None:
        try:
            build()
        except Exception:
            logger.exception("could not send a live event")

    transaction.on_commit(run)


# --- Access taken away ----------------------------------------------------------------------
# Sockets are closed with 4403 by who opened them (a user, a session, an API token), so these
# need nothing of the features that take access away (accounts, cohorts).
def _revoke_after_commit(revocation: hub.Revocation) -> None:
    send_after_commit(lambda: hub.revoke(revocation))


def membership_ended(*, user_id: int, cohort_id: int) -> None:
    """Removed from a cohort: close their sockets on its threads and dashboard (4403)."""
    _revoke_after_commit(hub.Revocation(user_id=user_id, cohort_id=cohort_id))


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
