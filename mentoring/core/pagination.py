"""Keyset pagination: every list that can grow pages the same way, pages and API alike.

A page is the ``limit`` rows that follow the last row of the previous page in a fixed, total
order (the order always ends with a unique column). The cursor the server hands out encodes
that last row's sort values, so the next page is an index range scan whatever its depth —
``OFFSET`` would read and throw away every earlier row — and rows inserted meanwhile neither
repeat nor vanish at a page boundary. The cursor is opaque to clients (base64 JSON, tied to
the order it was made for); a cursor or limit that does not parse is a 400, never a 500.

Keys may be expressions (a lower-cased display name) and may be NULL: ``nulls_last`` says
where NULLs sort, and the "after" condition is built to match.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import BadRequest, FieldDoesNotExist, ValidationError
from django.db.models import Expression, F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import HttpRequest

from mentoring.core.errors import Invalid

T = TypeVar("T")
CURSOR_PARAM = "cursor"
LIMIT_PARAM = "limit"
_ALIAS = "_page_key_{}"


class InvalidPage(Invalid):
    """A cursor or limit the server did not hand out or cannot honour."""


@dataclass(frozen=True)
class PageSize:
    """A list's default and largest page, as its endpoint documents them."""

    default: int
    maximum: int

    def describe(self) -> str:
        return f"Page size: default {self.default}, at most {self.maximum}."

    def parse(self, raw: str | int | None) -> int:
        if raw is None or raw == "":
            return self.default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise InvalidPage("invalid_limit", "limit must be a whole number.") from None
        if not 1 <= value <= self.maximum:
            raise InvalidPage("invalid_limit", f"limit must be between 1 and {self.maximum}.")
        return value


@dataclass(frozen=True)
class Key:
    """One column of the order: a field name or expression, its direction, where NULLs go."""

    expression: str | Expression
    descending: bool = False
    nulls_last: bool | None = None  # None: PostgreSQL's default (last ascending, first desc.)

    @classmethod
    def of(cls, item: str | Key | OrderBy) -> Key:
        if isinstance(item, Key):
            return item
        if isinstance(item, OrderBy):
            nulls_last = True if item.nulls_last else (False if item.nulls_first else None)
            return cls(item.expression, item.descending, nulls_last)
        if item.startswith("-"):
            return cls(item[1:], True)
        return cls(item)

    @property
    def nulls_sort_last(self) -> bool:
        return (not self.descending) if self.nulls_last is None else self.nulls_last


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _fingerprint(keys: Sequence[Key], scope: str) -> str:
    text = scope + "|" + "|".join(f"{k.expression!r}{k.descending}{k.nulls_last}" for k in keys)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def encode_cursor(values: Sequence[Any], fingerprint: str) -> str:
    raw = json.dumps({"o": fingerprint, "k": [_jsonable(v) for v in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def bad_cursor() -> InvalidPage:
    return InvalidPage(
        "invalid_cursor", "This cursor is not valid here; start from the first page."
    )


def decode_cursor(cursor: str, fingerprint: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise bad_cursor() from None
    if not isinstance(data, dict) or data.get("o") != fingerprint:
        raise bad_cursor()
    values = data.get("k")
    if not isinstance(values, list) or len(values) != size:
        raise bad_cursor()
    return values


def _nullable(queryset: QuerySet, expression: str | Expression) -> bool:
    if isinstance(expression, str) and "__" not in expression:
        try:
            return queryset.model._meta.get_field(expression).null
        except FieldDoesNotExist:
            return True
    return True


def _after(keys: Sequence[Key], aliases: list[str], values: list[Any], nullable: list[bool]) -> Q:
    """Rows strictly after ``values`` in the order: (k0 after v0) or (k0 = v0 and k1 after v1)…"""
    condition = Q(pk__in=[])
    equal = Q()
    for key, alias, value, can_be_null in zip(keys, aliases, values, nullable, strict=True):
        if value is None:
            # Past a NULL only more NULLs follow when NULLs sort last; everything else when first.
            after = Q(pk__in=[]) if key.nulls_sort_last else Q(**{f"{alias}__isnull": False})
            same = Q(**{f"{alias}__isnull": True})
        else:
            after = Q(**{f"{alias}__{'lt' if key.descending else 'gt'}": value})
            if can_be_null and key.nulls_sort_last:
                after |= Q(**{f"{alias}__isnull": True})
            same = Q(**{alias: value})
        condition |= equal & after
        equal &= same
    return condition


@dataclass(frozen=True)
class Keyed:
    """A queryset ordered and filtered for one page (``keyset_queryset``): its sort keys are
    annotated as ``aliases``; ``ordering`` is that order (for a window over the same rows)."""

    queryset: QuerySet
    aliases: list[str]
    ordering: list[OrderBy]
    fingerprint: str

    def cursor_after(self, values: Sequence[Any]) -> str:
        """The cursor of the page that follows the row whose sort keys are ``values``."""
        return encode_cursor(list(values), self.fingerprint)


def keyset_queryset(
    queryset: QuerySet,
    *,
    order: Sequence[str | Key | OrderBy],
    cursor: str | None = None,
    scope: str = "",
) -> Keyed:
    """``queryset`` in ``order`` (which must be total: end it with the primary key), only the
    rows after ``cursor``: what ``keyset_page`` reads a page of. For a selector that reads the
    page in SQL of its own (one aggregate instead of a Python object per row)."""
    keys = [Key.of(item) for item in order]
    aliases = [_ALIAS.format(i) for i in range(len(keys))]
    fingerprint = _fingerprint(keys, scope)
    annotated = queryset.annotate(
        **{
            alias: (F(key.expression) if isinstance(key.expression, str) else key.expression)
            for alias, key in zip(aliases, keys, strict=True)
        }
    )
    ordering = []
    for alias, key in zip(aliases, keys, strict=True):
        nulls = {"nulls_last": True} if key.nulls_sort_last else {"nulls_first": True}
        column = F(alias)
        ordering.append(column.desc(**nulls) if key.descending else column.asc(**nulls))
    annotated = annotated.order_by(*ordering)
    if cursor:
        raw = decode_cursor(cursor, fingerprint, len(keys))
        values = []
        for alias, value in zip(aliases, raw, strict=True):
            field = annotated.query.annotations[alias].output_field
            try:
                values.append(None if value is None else field.to_python(value))
            except (ValidationError, TypeError, ValueError):
                raise bad_cursor() from None
        nullable = [_nullable(queryset, key.expression) for key in keys]
        annotated = annotated.filter(_after(keys, aliases, values, nullable))
    return Keyed(annotated, aliases, ordering, fingerprint)


def keyset_page(
    queryset: QuerySet,
    *,
    order: Sequence[str | Key | OrderBy],
    limit: int,
    cursor: str | None = None,
    scope: str = "",
) -> Page:
    """The ``limit`` rows of ``queryset`` after ``cursor`` in ``order`` (which must be total:
    end it with the primary key). Works on model and ``.values()`` querysets alike; two rows
    too many are never fetched — one extra row says whether a next page exists.
    """
    keyed = keyset_queryset(queryset, order=order, cursor=cursor, scope=scope)
    aliases = keyed.aliases
    rows = list(keyed.queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        get = last.get if isinstance(last, dict) else lambda name: getattr(last, name)
        next_cursor = keyed.cursor_after([get(alias) for alias in aliases])
    for row in rows:
        if isinstance(row, dict):
            for alias in aliases:
                row.pop(alias, None)
    return Page(items=rows, next_cursor=next_cursor)


def page_url(
    request: HttpRequest, cursor: str | None, *, absolute: bool = True, path: str | None = None
) -> str | None:
    """This request's URL with ``cursor`` in place of its own (None when there is no page);
    ``path`` in place of the request's (a fragment's links lead to its page)."""
    if cursor is None:
        return None
    query = [(k, v) for k, v in request.GET.lists() if k != CURSOR_PARAM]
    params = [(k, item) for k, values in query for item in values] + [(CURSOR_PARAM, cursor)]
    url = f"{path or request.path}?{urllib.parse.urlencode(params)}"
    return request.build_absolute_uri(url) if absolute else url


def link_header(url: str | None) -> dict[str, str]:
    """The RFC 8288 ``Link`` header pointing at the next page (none on the last page)."""
    return {"Link": f'<{url}>; rel="next"'} if url else {}


def pager(request: HttpRequest, page: Page, *, path: str | None = None) -> dict[str, str | None]:
    """Links for a page's template (``includes/pager.html``): the next page, and the first
    page when this is not it. ``path``: the page's, when this request is for a fragment of it
    (the links must open the page, not the bare fragment)."""
    path = path or request.path
    first = None
    if request.GET.get(CURSOR_PARAM):
        rest = [(k, v) for k, values in request.GET.lists() if k != CURSOR_PARAM for v in values]
        first = path + (f"?{urllib.parse.urlencode(rest)}" if rest else "")
    next_url = page_url(request, page.next_cursor, absolute=False, path=path)
    return {"next_url": next_url, "first_url": first}


def page_for_template(
    request: HttpRequest,
    read_page,
    *,
    size: PageSize | None = None,
    path: str | None = None,
    **kwargs,
) -> tuple[Page, dict]:
    """``read_page(cursor=…, **kwargs)`` with this request's cursor (and, given the list's
    ``size``, its ``?limit=``), and the page's pager for ``includes/pager.html`` (its links on
    ``path``, for a fragment of a page); a cursor or limit the server did not hand out is a 400
    page that says so."""
    try:
        if size is not None:
            kwargs["limit"] = size.parse(request.GET.get(LIMIT_PARAM))
        page = read_page(cursor=request.GET.get(CURSOR_PARAM) or None, **kwargs)
    except InvalidPage as error:
        raise BadRequest(error.detail) from error
    return page, pager(request, page, path=path)
