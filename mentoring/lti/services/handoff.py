"""The hand-off from the platform's iframe to a window of Staffroom's own.

Where the browser keeps no cookie of Staffroom's inside the platform's iframe (third-party
cookies blocked, and no partitioned cookie over plain http), the launch validates but its
session cannot live there. The launch then issues a hand-off: a long random token, kept
server-side (only its hash), naming the person, the launch and where it lands. The learner opens
it in a new window (a first-party context, where the session cookie lives), confirms, and is
signed in with a fresh session there.

The token is single-use (taking it deletes it; the cache's ``delete`` says which caller won),
expires after ``HANDOFF_SECONDS`` and is bound to its launch (the launch id and course travel
with it, never a session id). It is not a session: once taken, the URL is worthless."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from mentoring.core.errors import Invalid

HANDOFF_SECONDS = 120


@dataclass(frozen=True)
class Handoff:
    """What a taken hand-off signs in: who, from which launch and course, landing where."""

    user_id: int
    launch_id: str
    context_id: int | None
    url: str


def _key(token: str) -> str:
    return "lti-handoff:" + hashlib.sha256(token.encode()).hexdigest()


def issue(
    *, user_id: int, launch_id: str, context_id: int | None, url: str, now: datetime | None = None
) -> str:
    """A new hand-off token for this launch (valid ``HANDOFF_SECONDS``, once)."""
    token = secrets.token_urlsafe(32)
    expires = (now or timezone.now()) + timedelta(seconds=HANDOFF_SECONDS)
    cache.set(
        _key(token),
        {
            "user_id": user_id,
            "launch_id": launch_id,
            "context_id": context_id,
            "url": url,
            "expires": expires.timestamp(),
        },
        HANDOFF_SECONDS + 60,
    )
    return token


def invalid() -> Invalid:
    return Invalid(
        "lti_handoff_invalid",
        "This link to Staffroom was used already or has expired: open Staffroom again from "
        "your course.",
    )


def peek(token: str, *, now: datetime | None = None) -> Handoff:
    """The hand-off ``token`` names, without using it; ``Invalid`` if gone or expired."""
    data = cache.get(_key(token)) if token else None
    if data is None or data["expires"] <= (now or timezone.now()).timestamp():
        raise invalid()
    return Handoff(data["user_id"], data["launch_id"], data["context_id"], data["url"])


def take(token: str, *, now: datetime | None = None) -> Handoff:
    """Use ``token`` (once: the first caller to delete it wins); ``Invalid`` otherwise."""
    handoff = peek(token, now=now)
    if not cache.delete(_key(token)):
        raise invalid()  # taken meanwhile by another request
    return handoff
