"""One lock for failed sign-ins: every login form and bearer tokens count against it.

Failures are counted per account name (what was typed: username or e-mail, lower-cased) and per
client address, in the ``ratelimit`` cache (Redis when there is one, so every worker shares it),
over a fixed window that starts at the first failure. Once a counter reaches its limit, further
attempts answer 429 with ``Retry-After`` until the window ends; then the counter is gone and the
next attempt is judged on its merits (the lock recovers by itself, no operator needed). A
success does not reset the counters: an attacker who also knows one good password cannot use it
to keep guessing another account.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.http import HttpRequest

from mentoring.core.ratelimit import shared_cache


def _cache():
    """The rate-limit cache every worker shares (this process's memory while it is down)."""
    return shared_cache


def now() -> float:
    """The clock (a function so that tests can move it)."""
    return time.time()


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"staffroom:signin-failures:{kind}:{digest}"


def _keys(request: HttpRequest, account: str | None, scope: str) -> list[tuple[str, int]]:
    keys = [
        (_key(f"{scope}-address", client_address(request)), settings.LOGIN_THROTTLE_PER_ADDRESS)
    ]
    if account and account.strip():
        keys.append((_key(f"{scope}-account", account), settings.LOGIN_THROTTLE_PER_ACCOUNT))
    return keys


def retry_after(request: HttpRequest, account: str | None = None, *, scope: str = "login") -> int:
    """Seconds until this client may try again for ``account``; 0 when it may try now."""
    wait = 0.0
    current = now()
    for key, limit in _keys(request, account, scope):
        entry = _cache().get(key)
        if not entry:
            continue
        started, count = entry
        ends = started + settings.LOGIN_THROTTLE_SECONDS
        if ends <= current:
            _cache().delete(key)
        elif count >= limit:
            wait = max(wait, ends - current)
    return math.ceil(wait)


def record_failure(request: HttpRequest, account: str | None = None, *, scope: str = "login"):
    current = now()
    window = settings.LOGIN_THROTTLE_SECONDS
    for key, _limit in _keys(request, account, scope):
        entry = _cache().get(key)
        if not entry or entry[0] + window <= current:
            entry = (current, 0)
        started, count = entry
        remaining = max(1, math.ceil(started + window - current))
        _cache().set(key, (started, count + 1), timeout=remaining)
