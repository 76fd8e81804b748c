"""Refuse, at the door, URLs no page of ours could mean; keep the API's errors JSON.

A NUL byte in a path segment (``/cohorts/1/tags/%00/``) or a query parameter reached PostgreSQL,
which refuses it, and answered 500. No route or query parameter ever carries one, so every
request with one is a 400 here: JSON ``{code, detail}`` under the API, a plain page elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from mentoring.core.validation import NUL_MESSAGE, has_nul

API_PREFIX = "/api/"


class RejectNulInUrlMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or has_nul(dict(request.GET.lists())):
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"code": "invalid", "detail": NUL_MESSAGE}, status=400)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ApiMethodNotAllowedMiddleware:
    """A method an API path does not take answers like every other API error: JSON ``{code,
    detail}`` (with the ``Allow`` header), not django-ninja's plain-text 405."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            detail = f"{request.method} is not allowed here." + (
                f" Allowed: {allowed}." if allowed else ""
            )
            replaced = JsonResponse({"code": "method_not_allowed", "detail": detail}, status=405)
            if allowed:
                replaced["Allow"] = allowed
            return replaced
        return response
