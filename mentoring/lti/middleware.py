"""Cookies a session started by an LTI launch needs inside the platform's iframe.

A platform opens Staffroom in an iframe on its own site, where browsers send only cookies marked
``SameSite=None; Secure`` (and, where third-party cookies are blocked, only ``Partitioned``
ones: CHIPS, kept per top-level site). Over https, this marks the session and CSRF cookies so
for the launch itself and for every later response to a session that came by a launch; other
sessions keep the site's ``Lax`` cookies. Listed above ``SessionMiddleware`` so it sees the
cookies that middleware and the CSRF middleware set."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from mentoring.lti.selectors import LAUNCH_SESSION_KEY


class LtiCookieMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.is_secure():
            return response  # SameSite=None needs Secure, which needs https
        session = getattr(request, "session", None)
        from_launch = request.path_info.startswith("/lti/") or (
            session is not None and session.get(LAUNCH_SESSION_KEY)
        )
        if not from_launch:
            return response
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
            morsel = response.cookies.get(name)
            if morsel is not None and morsel.value:
                morsel["secure"] = True
                # http.cookies knows no Partitioned attribute before Python 3.14: it rides on
                # SameSite's value ("SameSite=None; Partitioned").
                morsel["samesite"] = "None; Partitioned"
        return response
