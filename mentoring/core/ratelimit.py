"""Per-user rate limits on writes: throttled, not stopped.

Each action (``post``, ``flag``, ``nudge``, ``invite``, ``roster``) has one or more windows in
``settings.RATE_LIMITS``, e.g. ``["20/60", "300/3600"]``: at most 20 in a minute (a burst) and
300 in an hour. Generous for people, firm for a script gone wrong. Counters live in the
``ratelimit`` cache (Redis when ``REDIS_URL`` is set, so every worker shares them; otherwise
per process). A refusal is a ``RateLimited`` error: 429 with ``Retry-After`` in the API, a form
error on the pages. While that cache is down the counts live in each process: limits protect
the service, they must never be why it fails.

Services call ``check_rate(action, user=..., cost=...)`` before they write.

Guessing is limited the other way round: ``failure_wait(action, key)`` says how long a client
(``key``, e.g. its address) must wait because of its earlier failures, and ``record_failure``
counts one more. Only failures count (an unknown invitation or join token), so people opening
their own links are never held up.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from mentoring.core import errors

logger = logging.getLogger(__name__)
CACHE_ALIAS = "ratelimit"
# This process's memory (settings.CACHES): "default" may be Redis too, and down with it.
FALLBACK_ALIAS = "local"
clock = time.time  # Tests pin it, so no window boundary falls inside a test.

_WHAT = {
    "post": "posting",
    "flag": "flagging posts",
    "react": "reacting to posts",
    "watch": "changing what you watch",
    "draft": "saving drafts",
    "nudge": "nudging",
    "invite": "sending invitations",
    "roster": "checking lists of addresses",
    "link": "trying invitation and join links",
    "export": "asking for copies of your data",
    "upload": "uploading files",
    "lti": "launching from your learning platform",
}


class RateLimited(errors.RateLimited):
    """Too many of one action too quickly; ``retry_after`` seconds until it is allowed."""

    def __init__(self, action: str, retry_after: int):
        what = _WHAT.get(action, action)
        super().__init__(
            "rate_limited",
            f"You are {what} faster than Staffroom allows. Please wait "
            f"{retry_after} second{'s' if retry_after != 1 else ''} and try again.",
            retry_after=retry_after,
        )


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        count, _, seconds = text.partition("/")
        return cls(int(count), int(seconds))


def rates_for(action: str) -> list[Rate]:
    return [Rate.parse(text) for text in getattr(settings, "RATE_LIMITS", {}).get(action, [])]


class _SharedCache:
    """The ``ratelimit`` cache (Redis when configured, so every worker shares the counts), or
    this process's own memory (the ``local`` cache) while that cache is unreachable: an outage
    must not turn writes, sign-ins or bearer-token requests into 500s, and counting per process
    still limits."""

    def __getattr__(self, method: str):
        def call(*args, **kwargs):
            shared = caches[CACHE_ALIAS if CACHE_ALIAS in settings.CACHES else "default"]
            try:
                return getattr(shared, method)(*args, **kwargs)
            except Exception:  # redis-py raises its own ConnectionError/TimeoutError types.
                logger.warning("rate-limit cache unreachable; counting in this process")
                return getattr(caches[FALLBACK_ALIAS], method)(*args, **kwargs)

        return call


shared_cache = _SharedCache()


def check_rate(action: str, *, user, cost: int = 1, now: float | None = None) -> None:
    """Count ``cost`` of ``action`` by ``user``, or raise ``RateLimited`` if that would break
    any of its windows (a refused attempt is not counted)."""
    rates = rates_for(action)
    if not rates or user is None or not getattr(user, "pk", None):
        return
    now = clock() if now is None else now
    keys = {}
    for rate in rates:
        window = int(now // rate.seconds)
        keys[rate] = f"rl:{action}:{user.pk}:{rate.seconds}:{window}"
    counts = shared_cache.get_many(list(keys.values()))
    waits = [
        (int(now // rate.seconds) + 1) * rate.seconds - now
        for rate, key in keys.items()
        if counts.get(key, 0) + cost > rate.count
    ]
    if waits:
        raise RateLimited(action, max(1, math.ceil(max(waits))))
    for rate, key in keys.items():
        shared_cache.add(key, 0, timeout=rate.seconds + 1)
        shared_cache.incr(key, cost)


def _failure_keys(action: str, key: str, now: float) -> dict[Rate, str]:
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    return {
        rate: f"rlf:{action}:{digest}:{rate.seconds}:{int(now // rate.seconds)}"
        for rate in rates_for(action)
    }


def failure_wait(action: str, key: str, *, now: float | None = None) -> int:
    """Seconds ``key`` must wait before trying ``action`` again (0: it may try now), because
    its failures have filled one of the action's windows."""
    now = clock() if now is None else now
    keys = _failure_keys(action, key, now)
    if not keys:
        return 0
    counts = shared_cache.get_many(list(keys.values()))
    waits = [
        (int(now // rate.seconds) + 1) * rate.seconds - now
        for rate, cache_key in keys.items()
        if counts.get(cache_key, 0) >= rate.count
    ]
    return max(1, math.ceil(max(waits))) if waits else 0


def record_failure(action: str, key: str, *, now: float | None = None) -> None:
    """Count one failed attempt at ``action`` by ``key`` in each of its windows."""
    now = clock() if now is None else now
    for rate, cache_key in _failure_keys(action, key, now).items():
        shared_cache.add(cache_key, 0, timeout=rate.seconds + 1)
        shared_cache.incr(cache_key)
