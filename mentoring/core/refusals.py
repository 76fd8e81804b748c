"""Domain errors → HTTP, decided once for the API and the pages alike.

Services raise ``mentoring.core.errors`` classes, which know nothing of HTTP. Here, and only
here, each class gets its status:

=============  ===  =======  =============================================================
class          API  in a     a page that is the refusal (``refused_page``), or one no view
                    form     caught (``DomainErrorPageMiddleware``)
=============  ===  =======  =============================================================
Invalid        400  400      400 with the detail
Forbidden      403  400      the site's 403 page
NotFound       404  (404)    the site's 404 page (views let it through to the middleware)
Conflict       409  400      409 with the detail
Gone           410  400      410: the link no longer works
RateLimited    429  429      429 with the detail; ``Retry-After`` wherever it is 429
=============  ===  =======  =============================================================

The API's exception handler (``mentoring.core.api``) answers JSON ``{"code", "detail",
**extra}`` with ``http_status(error)`` and ``http_headers(error)``. A page shows a refusal
next to its form (``add_service_error``, then ``form_page``: 400 as for any form that did not
pass, 429 when it came too fast), or in a page of its own (``refused_page``, the API's
status). A refusal no view caught reaches ``DomainErrorPageMiddleware``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from mentoring.core.errors import (
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    RateLimited,
    ServiceError,
)

STATUS: dict[type[ServiceError], int] = {
    Invalid: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    RateLimited: 429,
}


def http_status(error: ServiceError) -> int:
    """The status of ``error``'s nearest class in ``STATUS`` (400 for a bare ``ServiceError``,
    which services do not raise)."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def http_headers(error: ServiceError) -> dict[str, str]:
    """Headers the refusal carries: ``Retry-After`` (RFC 9110, seconds) for a rate limit."""
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after)}
    return {}


def refused_page(
    request: HttpRequest, template: str, context: dict, error: ServiceError
) -> HttpResponse:
    """``template`` rendered with ``error``'s status and headers (the view has put the message
    where the person will see it: next to the form, or in ``messages``)."""
    return with_headers(render(request, template, context, status=http_status(error)), error)


def refused_text(error: ServiceError) -> HttpResponse:
    """The refusal as one plain sentence with its status and headers: for a script that shows
    the server's words in a status line (autosave, following)."""
    response = HttpResponse(
        error.detail, status=http_status(error), content_type="text/plain; charset=utf-8"
    )
    return with_headers(response, error)


def with_headers(response: HttpResponse, error: ServiceError) -> HttpResponse:
    for name, value in http_headers(error).items():
        response[name] = value
    return response


def form_page(request: HttpRequest, template: str, context: dict, *, form) -> HttpResponse:
    """A page with a form: 200 to show it; once posted back (the form did not pass), 400, or
    the status of the refusal ``add_service_error`` put in it (429 and ``Retry-After`` when it
    came too fast)."""
    if request.method != "POST":
        return render(request, template, context)
    error = getattr(form, "refusal", None)
    if error is None:
        return render(request, template, context, status=400)
    return with_headers(render(request, template, context, status=form_status(error)), error)


def form_status(error: ServiceError) -> int:
    """A page whose form shows ``error``: 400 like any form that did not pass, but 429 for a
    rate limit (the person is told to wait; a client sees ``Retry-After``)."""
    return http_status(error) if isinstance(error, RateLimited) else 400


class DomainErrorPageMiddleware:
    """A domain error no page view caught: ``NotFound`` is the site's 404 page, ``Forbidden``
    its 403 page (both through Django's handlers, so they look like every other); anything
    else the plain 4xx of its class with the detail, and ``Retry-After`` for a rate limit.
    The API answers its own errors before they get here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, ServiceError):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.detail) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.detail) from exception
        return refused_page(
            request,
            "errors/refused.html",
            {"code": exception.code, "detail": exception.detail},
            exception,
        )
