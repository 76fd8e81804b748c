"""What every API router shares: the body parser, the one error type, and error responses.

The authentication classes are accounts' (``mentoring.accounts.auth``): core imports no feature.

Errors are always JSON ``{"code": ..., "detail": ...}`` with a 4xx status. Services and
handlers raise the domain's errors (``mentoring.core.errors``) and let them propagate; their
status is ``mentoring.core.refusals``' one table, shared with the pages.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db.models import QuerySet
from django.db.models.expressions import OrderBy
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from mentoring.core.errors import Invalid, NotFound, ServiceError
from mentoring.core.pagination import Key, Page, PageSize, keyset_page, link_header, page_url
from mentoring.core.refusals import http_headers, http_status
from mentoring.core.validation import INT32_MAX, INT32_MIN, NUL_MESSAGE, has_nul

logger = logging.getLogger(__name__)


def _bounded_int(text: str) -> int:
    value = int(text)
    if not INT32_MIN <= value <= INT32_MAX:
        raise Invalid("invalid", f"Numbers must lie between {INT32_MIN} and {INT32_MAX}.")
    return value


def _bounded_float(text: str) -> float:
    value = float(text)
    if not INT32_MIN <= value <= INT32_MAX:
        raise Invalid("invalid", f"Numbers must lie between {INT32_MIN} and {INT32_MAX}.")
    return value


def _no_constants(name: str) -> float:
    raise Invalid("invalid", f"{name} is not a number this API accepts.")


class BoundedParser(Parser):
    """Every request's JSON body and query string, before any schema sees them: no NUL in any
    string or key, no number PostgreSQL's integer column could not hold, no NaN or Infinity.
    One rule for every operation, so a new endpoint cannot forget it (each used to answer 500)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(
            request.body,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            parse_constant=_no_constants,
        )
        if has_nul(data):
            raise Invalid("invalid", NUL_MESSAGE)
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        if has_nul(dict(data.lists())):
            raise Invalid("invalid", NUL_MESSAGE)
        return super().parse_querydict(data, list_fields, request)


def error_body(code: str, detail: Any, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": detail, **extra}


def install_error_handlers(api: NinjaAPI) -> None:
    def service_error(request, exc: ServiceError):
        """Every domain error: its class's status, ``Retry-After`` for a rate limit."""
        response = api.create_response(
            request, error_body(exc.code, exc.detail, **exc.extra), status=http_status(exc)
        )
        for name, value in http_headers(exc).items():
            response[name] = value
        return response

    def not_found(request, exc):
        return api.create_response(request, error_body("not_found", "Not found."), status=404)

    def validation_error(request, exc: ValidationError):
        problems = []
        for error in exc.errors:
            where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body",))
            problems.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
        return api.create_response(
            request,
            error_body("invalid", "; ".join(problems) or "Invalid input.", errors=exc.errors),
            status=400,
        )

    def authentication_error(request, exc):
        return api.create_response(
            request,
            error_body("unauthenticated", "Sign in or send a valid bearer token."),
            status=401,
        )

    def http_error(request, exc: HttpError):
        codes = {
            400: "bad_request",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            429: "throttled",
        }
        # Ninja wraps whatever the body parser raised in a generic 400: answer with the cause.
        if isinstance(exc.__cause__, ServiceError):
            return service_error(request, exc.__cause__)
        if isinstance(exc.__cause__, RequestDataTooBig):
            return too_big(request, exc.__cause__)
        code = codes.get(exc.status_code, "error")
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)

    def too_big(request, exc):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return api.create_response(
            request,
            error_body("too_large", f"The request body is larger than {limit:,} bytes."),
            status=413,
        )

    def forbidden(request, exc):
        return api.create_response(request, error_body("forbidden", "Forbidden."), status=403)

    def suspicious(request, exc):
        return api.create_response(
            request, error_body("bad_request", "The request was refused."), status=400
        )

    def server_error(request, exc: Exception):
        """Even under DEBUG the API answers JSON (ninja's default is a text traceback)."""
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        detail = "Something went wrong on our side; it has been logged."
        if settings.DEBUG:
            detail += f" ({type(exc).__name__}: {exc})"
        return api.create_response(request, error_body("server_error", detail), status=500)

    api.add_exception_handler(Exception, server_error)
    api.add_exception_handler(RequestDataTooBig, too_big)
    api.add_exception_handler(SuspiciousOperation, suspicious)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(ServiceError, service_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(AuthenticationError, authentication_error)
    api.add_exception_handler(HttpError, http_error)


def found(obj):
    """Return ``obj`` or raise the API's 404 (what the caller may not see does not exist)."""
    if obj is None:
        raise NotFound()
    return obj


def api_page(
    request: HttpRequest,
    response: HttpResponse,
    queryset: QuerySet,
    *,
    order: Sequence[str | Key | OrderBy],
    size: PageSize,
    limit: int | None,
    cursor: str | None,
    scope: str = "",
) -> tuple[Page, str | None]:
    """One page of an API list and the next page's URL, also set as ``Link: rel="next"``.

    ``response`` is django-ninja's temporal response: its headers go out with the answer.
    """
    page = keyset_page(
        queryset,
        order=order,
        limit=size.parse(limit),
        cursor=cursor or None,
        scope=scope,
    )
    url = page_url(request, page.next_cursor)
    for name, value in link_header(url).items():
        response[name] = value
    return page, url


def limit_query(size: PageSize):
    """The documented ``?limit=`` query parameter of a paged list (default and maximum)."""
    return Query(size.default, ge=1, le=size.maximum, description=size.describe())


CURSOR_QUERY_DESCRIPTION = (
    "Opaque: pass the cursor of the next page's URL (in the Link header) unchanged."
)


@contextmanager
def api_fields(names: Mapping[str, str]) -> Iterator[None]:
    """Name a refused request's field as the API calls it.

    Services speak the domain (``field="thread"``, ``field="scenario"``); an endpoint whose
    body calls them ``thread_id`` and ``scenario_id`` maps them here, so the JSON error names
    the field the client sent.
    """
    try:
        yield
    except ServiceError as error:
        field = error.extra.get("field")
        if field in names:
            error.extra["field"] = names[field]
        raise
