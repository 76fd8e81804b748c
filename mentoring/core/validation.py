"""Bounds every input meets before it reaches a service or the database.

An outside probe found that one NUL byte, an integer past 2^31 or a datetime in year 10000
answered 500 (PostgreSQL refuses all three, after the request had done its work). The edges
check them once, here, so no endpoint or form has to remember: API schemas build on
``InputSchema`` and the types below, forms mix in ``SaneInputFormMixin``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints, model_validator

# PostgreSQL's integer column; ids and counts never need more.
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
# A bound for any free text the API takes; fields with a domain limit set a smaller one.
MAX_TEXT_LENGTH = 100_000
# Dates people schedule things at (releases, scheduled threads) stay within a few years of now;
# anything further is a typo, and year 10000 cannot even be stored.
SCHEDULE_HORIZON = timedelta(days=5 * 366)

NUL_MESSAGE = "Text cannot contain NUL (\\x00) characters."


def has_nul(value: Any) -> bool:
    """Whether a NUL character hides anywhere in ``value`` (strings, lists, dicts)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple, set)):
        return any(has_nul(item) for item in value)
    return False


def storable_datetime(value: datetime) -> datetime:
    """Refuse a datetime PostgreSQL cannot store: it is saved in UTC, where 9999-12-31T23:59-14:00
    is already year 10000."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("Dates must fall between the years 1 and 9999.") from exc
    return value


def within_schedule_horizon(value: datetime, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return now - SCHEDULE_HORIZON <= value <= now + SCHEDULE_HORIZON


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


# --- Types for ninja schemas ------------------------------------------------------------------
def Text(max_length: int = MAX_TEXT_LENGTH, min_length: int = 0) -> Any:  # noqa: N802
    """A string without NUL, of bounded length."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
Id = Annotated[int, Field(ge=1, le=INT32_MAX)]
DateTimeIn = Annotated[datetime, AfterValidator(storable_datetime)]


class InputSchema(Schema):
    """Base of every request body: refuses NUL in any string, however deeply nested, so a new
    field cannot forget it."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        if isinstance(data, dict) and has_nul(data):
            raise ValueError(NUL_MESSAGE)
        return data


# --- Forms ------------------------------------------------------------------------------------
class SaneInputFormMixin:
    """For Django forms: no NUL in any submitted value (Django's CharField already refuses it,
    choice and hidden fields do not), and every datetime storable."""

    def _clean_fields(self) -> None:
        super()._clean_fields()
        for name in self.fields:
            key = self.add_prefix(name)
            raw = self.data.getlist(key) if hasattr(self.data, "getlist") else self.data.get(key)
            if has_nul(raw) and name not in self.errors:
                self.add_error(name, ValidationError(NUL_MESSAGE, code="null_characters"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if isinstance(value, datetime):
                try:
                    storable_datetime(value)
                except ValueError as error:
                    self.add_error(name, str(error))
        return cleaned


# --- Redirects --------------------------------------------------------------------------------
def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where ``next=`` asks to go, if it stays on this site; otherwise ``fallback`` (a form's
    ``next`` must never send a signed-in user to another site)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback
