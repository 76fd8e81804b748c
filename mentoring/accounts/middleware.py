"""Sign-in protection that runs before any view (the failed-login lock, required 2FA), and what
the browser forgets when someone signs out."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from mentoring.accounts.selectors.policy import must_set_up_two_factor, signed_in_through_sso
from mentoring.accounts.services import throttle

# Every view that takes a password. /admin/login/ and /django-admin/login/ redirect to the site's
# sign-in page (config/urls.py), so two-factor and this lock cannot be sidestepped there.
LOGIN_VIEWS = frozenset({"account_login", "login"})


def too_many_attempts(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(request, "429.html", {"wait_words": throttle.human_wait(wait)}, status=429)
    response["Retry-After"] = str(wait)
    return response


class LoginThrottleMiddleware:
    """Answer 429 to a sign-in attempt while it is locked, before any password is hashed; and
    remember a browser that signed in (``throttle.remember_device``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        signed_in = getattr(request, throttle.SIGNED_IN_ATTRIBUTE, None)
        if signed_in is not None:
            throttle.remember_device(request, response, signed_in)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in LOGIN_VIEWS:
            return None
        identifier = request.POST.get("login") or request.POST.get("username")
        wait = throttle.retry_after(throttle.attempt(request, identifier))
        return too_many_attempts(request, wait) if wait else None


# Paths a person who must set up two-factor may still use: to set it up, or to leave.
TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/", "/privacy/")


class RequireTwoFactorMiddleware:
    """Send staff and tutors to set up TOTP first when the sign-in policy requires it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            and must_set_up_two_factor(
                user, through_sso=signed_in_through_sso(getattr(request, "session", None))
            )
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)


class ClearSiteDataMiddleware:
    """The response that signs someone out (the sign-out form, account deletion, the admin's,
    single sign-on's) tells the browser to delete what this site stored in it: the copy of a
    shared solution the editor keeps for offline writing (IndexedDB), local and session
    storage. On a school's shared computer the next person finds nothing of theirs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "signed_out", False):
            response["Clear-Site-Data"] = '"storage"'
        return response
