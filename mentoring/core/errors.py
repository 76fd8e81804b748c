"""The errors services raise: what went wrong in the domain's words, never in HTTP's.

A refusal has a ``code`` (machine-readable, stable: clients branch on it), a ``detail`` (a
sentence for a person) and optional ``extra`` (``field``: the input it is about; anything else
the client may use, e.g. ``retry_after``). Its class says what kind of refusal it is:

- ``Invalid``: the request cannot be done as asked (bad input, or a state that refuses it:
  an empty solution, an invitation no longer pending);
- ``NotFound``: there is no such thing, or the caller may not know it exists;
- ``Forbidden``: the caller may see it but not do this;
- ``Conflict``: someone else got there first (a stale copy, already submitted or released);
- ``Gone``: a link or token that was good once and no longer is (used, expired, replaced);
- ``RateLimited``: too many too quickly; ``retry_after`` seconds until it is allowed.

Services raise one of these, never the base class. What each becomes over HTTP is decided in
one place, ``mentoring.core.refusals`` (the API's JSON and the pages alike).
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refused request: ``code`` is machine-readable, ``detail`` tells a person why.

    The base of every domain error (catch it to handle any refusal); raise a subclass."""

    def __init__(self, code: str, detail: str, **extra: Any):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


class Invalid(ServiceError):
    """The request cannot be done as asked: bad input (``field`` names it) or a state that
    refuses it."""


class NotFound(ServiceError):
    """No such thing, or one the caller may not know exists."""

    def __init__(self, detail: str = "Not found.", code: str = "not_found", **extra: Any):
        super().__init__(code, detail, **extra)


class Forbidden(ServiceError):
    """The caller may not do this (it may know the thing exists)."""


class Conflict(ServiceError):
    """The request crossed someone else's change: a stale copy, already done by another."""


class Gone(ServiceError):
    """A link or token that was good once and no longer is: used, expired or replaced."""


class RateLimited(ServiceError):
    """Too many too quickly; ``retry_after`` seconds until it is allowed (also in ``extra``,
    so clients read it in the error's body)."""

    def __init__(self, code: str, detail: str, *, retry_after: int, **extra: Any):
        super().__init__(code, detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after
