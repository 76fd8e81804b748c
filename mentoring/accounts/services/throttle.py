"""The locks on guessing: wrong passwords, bad bearer tokens and wrong two-factor codes.

Counters live in the ``ratelimit`` cache (Redis when there is one, so every worker shares them),
each over a fixed window that starts at its first failure. A counter at its limit refuses
further attempts (429, ``Retry-After``) until its window ends; then it is gone and the next
attempt is judged on its merits (no operator needed). Locked attempts are refused before any
password is hashed. A success does not reset a counter: someone who knows one good password
cannot use it to keep guessing another.

A lock must not be a weapon against the person it protects, so wrong passwords are counted:

* per account *and* address (``LOGIN_THROTTLE_PER_ACCOUNT`` in ``LOGIN_THROTTLE_SECONDS``):
  the guesser waits; the owner elsewhere does not;
* per account from anywhere, a larger and slower allowance
  (``LOGIN_THROTTLE_PER_ACCOUNT_TOTAL`` in ``LOGIN_THROTTLE_ACCOUNT_SECONDS``) against guessing
  from many addresses; and per address over every account (``LOGIN_THROTTLE_PER_ADDRESS``),
  against trying one password on many accounts. Neither holds back a browser that has signed
  in to the account before (its signed ``KNOWN_DEVICE_COOKIE``): the owner still gets in.

"The account" is the account, whichever identifier was typed: its username or any of its
e-mail addresses, in any case. An identifier that names no account is counted as typed.
Bad bearer tokens count per address, but a valid token is never refused for them; sockets
count theirs the same way. Wrong two-factor codes count per account. A password reset clears
the account's locks (``clear_account``).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing

from mentoring.core.addresses import client_address
from mentoring.core.ratelimit import shared_cache
from mentoring.models import User

if TYPE_CHECKING:  # the sign-in's request and response, read and given a cookie; no HTTP here
    from django.http import HttpRequest, HttpResponse

LOGIN = "login"
TOKEN = "token"
CODE = "code"

KNOWN_DEVICE_COOKIE = "staffroom_signed_in_before"
KNOWN_DEVICE_SALT = "staffroom.known-device"
KNOWN_DEVICE_MAX_AGE = 180 * 24 * 3600
KNOWN_DEVICE_ACCOUNTS = 5  # the most recent accounts a shared browser remembers
# Set on the request by the ``user_logged_in`` receiver (the pk of who signed in), so that the
# response marks the browser (``mentoring.accounts.middleware``).
SIGNED_IN_ATTRIBUTE = "_staffroom_signed_in"
# Set on the request by the failure receivers: the ``Outcome`` of the last failure counted.
FAILURE_OUTCOME_ATTRIBUTE = "_staffroom_failure_outcome"


def _cache():
    """The rate-limit cache every worker shares (this process's memory while it is down)."""
    return shared_cache


def now() -> float:
    """The clock (a function so that tests can move it)."""
    return time.time()


def human_wait(seconds: float) -> str:
    """A wait in words: "about 5 minutes", never "277 seconds"."""
    if seconds < 45:
        return "less than a minute"
    minutes = max(1, round(seconds / 60))
    if minutes == 1:
        return "about a minute"
    if minutes < 90:
        return f"about {minutes} minutes"
    hours = round(minutes / 60)
    return f"about {hours} hours"


# --- Who is trying ----------------------------------------------------------------------------
def account_of(identifier: str | None) -> str | None:
    """The account an identifier names (``user:<pk>``), or the identifier itself lower-cased
    when it names none; None when nothing was typed."""
    text = (identifier or "").strip()
    if not text:
        return None
    pk = User.objects.filter(username__iexact=text).order_by("pk").values_list("pk").first()
    if pk is None and "@" in text:
        pk = (
            EmailAddress.objects.filter(email__iexact=text).values_list("user_id").first()
            or User.objects.filter(email__iexact=text).order_by("pk").values_list("pk").first()
        )
    return f"user:{pk[0]}" if pk else f"name:{text.lower()}"


def user_account(user_pk: int) -> str:
    return f"user:{user_pk}"


@dataclass(frozen=True)
class Attempt:
    """One try to sign in (or to use a token or code): from where, for which account."""

    address: str
    account: str | None = None
    known_device: bool = False


def _known_accounts(request: HttpRequest) -> list[str]:
    value = request.COOKIES.get(KNOWN_DEVICE_COOKIE)
    if not value:
        return []
    try:
        accounts = signing.loads(value, salt=KNOWN_DEVICE_SALT, max_age=KNOWN_DEVICE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [str(a) for a in accounts] if isinstance(accounts, list) else []


def attempt(request: HttpRequest, identifier: str | None) -> Attempt:
    """The sign-in attempt ``request`` makes for ``identifier`` (resolved once per request)."""
    memo = request.__dict__.setdefault("_staffroom_attempts", {})
    key = (identifier or "").strip().lower()
    if key not in memo:
        account = account_of(identifier)
        memo[key] = Attempt(
            address=client_address(request),
            account=account,
            known_device=account is not None and account in _known_accounts(request),
        )
    return memo[key]


def remember_device(request: HttpRequest, response: HttpResponse, user_pk: int) -> None:
    """Mark this browser as one ``user_pk`` has signed in from (see the module docstring)."""
    account = user_account(user_pk)
    accounts = [a for a in _known_accounts(request) if a != account]
    accounts = [account, *accounts][:KNOWN_DEVICE_ACCOUNTS]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        signing.dumps(accounts, salt=KNOWN_DEVICE_SALT),
        max_age=KNOWN_DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- Counters ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Counter:
    key: str
    limit: int
    window: int
    checked: bool = True  # False: counted, but not a reason to refuse this attempt


def _key(kind: str, *values: str) -> str:
    text = "\x00".join(value.strip().lower() for value in values)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"staffroom:signin-failures:{kind}:{digest}"


def _cleared_key(account: str) -> str:
    return _key("cleared", account)


def _counters(what: Attempt, scope: str) -> list[_Counter]:
    short = settings.LOGIN_THROTTLE_SECONDS
    if scope == TOKEN:
        return [
            _Counter(
                _key("token-address", what.address), settings.LOGIN_THROTTLE_PER_ADDRESS, short
            )
        ]
    if scope == CODE:
        if what.account is None:
            return []
        return [
            _Counter(
                _key("code-account", what.account), settings.TWO_FACTOR_THROTTLE_PER_ACCOUNT, short
            )
        ]
    counters = [
        _Counter(
            _key("login-address", what.address),
            settings.LOGIN_THROTTLE_PER_ADDRESS,
            short,
            checked=not what.known_device,
        )
    ]
    if what.account is not None:
        counters += [
            _Counter(
                _key("login-pair", what.account, what.address),
                settings.LOGIN_THROTTLE_PER_ACCOUNT,
                short,
            ),
            _Counter(
                _key("login-account", what.account),
                settings.LOGIN_THROTTLE_PER_ACCOUNT_TOTAL,
                settings.LOGIN_THROTTLE_ACCOUNT_SECONDS,
                checked=not what.known_device,
            ),
        ]
    return counters


def _entries(what: Attempt, counters: list[_Counter], current: float) -> dict[str, tuple]:
    """Each counter's live (started, count), without those a reset cleared or that ended."""
    keys = [c.key for c in counters]
    cleared_key = _cleared_key(what.account) if what.account else None
    found = _cache().get_many(keys + ([cleared_key] if cleared_key else []))
    cleared = found.get(cleared_key, 0.0) if cleared_key else 0.0
    live = {}
    for counter in counters:
        entry = found.get(counter.key)
        if entry and entry[0] > cleared and entry[0] + counter.window > current:
            live[counter.key] = entry
    return live


def retry_after(what: Attempt, scope: str = LOGIN) -> int:
    """Seconds until this attempt may be made; 0 when it may be made now."""
    current = now()
    counters = _counters(what, scope)
    entries = _entries(what, counters, current)
    wait = 0.0
    for counter in counters:
        entry = entries.get(counter.key)
        if counter.checked and entry and entry[1] >= counter.limit:
            wait = max(wait, entry[0] + counter.window - current)
    return math.ceil(wait)


@dataclass(frozen=True)
class Outcome:
    """After a failure: tries left before the nearest lock, and how long that lock lasts."""

    tries_left: int
    lock_seconds: int

    def warning(self, what: str = "wrong password") -> str | None:
        """What to say at the last try before the lock, and once locked."""
        wait = human_wait(self.lock_seconds)
        if self.tries_left == 1:
            return f"One more {what} locks sign-in for {wait}."
        if self.tries_left <= 0:
            return f"Sign-in is locked for {wait}."
        return None


def record_failure(what: Attempt, scope: str = LOGIN) -> Outcome | None:
    current = now()
    counters = _counters(what, scope)
    entries = _entries(what, counters, current)
    nearest: Outcome | None = None
    for counter in counters:
        started, count = entries.get(counter.key) or (current, 0)
        count += 1
        remaining = max(1, math.ceil(started + counter.window - current))
        _cache().set(counter.key, (started, count), timeout=remaining)
        if counter.checked:
            outcome = Outcome(counter.limit - count, remaining)
            if nearest is None or outcome.tries_left < nearest.tries_left:
                nearest = outcome
    return nearest


def clear_account(user_pk: int) -> None:
    """Lift every lock on the account (its own counters and every address's pair counter): a
    password reset proved the person holds its e-mail."""
    account = user_account(user_pk)
    # Counters that started before this moment no longer count (see ``_entries``).
    longest = max(settings.LOGIN_THROTTLE_SECONDS, settings.LOGIN_THROTTLE_ACCOUNT_SECONDS)
    _cache().set(_cleared_key(account), now(), timeout=longest + 60)
