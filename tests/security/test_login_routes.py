"""Every way to a session goes through allauth's sign-in (the lock and two-factor): no other
view that logs people in is reachable, whatever a vendor's URLs bring along."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.views import LoginView
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from mentoring.accounts.views import admin_login_redirect
from mentoring.models import SignInPolicy
from tests.factories import TEST_PASSWORD


def _patterns(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def _view(callback):
    return getattr(callback, "view_class", None) or getattr(callback, "__func__", callback)


def _signs_in(route: str, pattern: URLPattern) -> bool:
    """Looks like a view that takes a password and starts a session."""
    view = _view(pattern.callback)
    name = (pattern.name or "") + " " + getattr(view, "__name__", "")
    return (isinstance(view, type) and issubclass(view, LoginView)) or "login" in name.lower()


def _allowed(callback) -> bool:
    """allauth's own views, or our redirect to allauth's sign-in page."""
    view = _view(callback)
    return callback is admin_login_redirect or view.__module__.startswith("allauth.")


def test_every_route_that_signs_in_is_allauths_or_sends_there():
    offenders = []
    for route, pattern in _patterns(get_resolver()):
        if not _signs_in(route, pattern):
            continue
        if _allowed(pattern.callback):
            continue
        # A vendor's login view shadowed by an earlier route (our redirect) is unreachable.
        if "<" not in route and "(" not in route:
            path = "/" + re.sub(r"^\^|\$$", "", route)
            if _allowed(resolve(path).func):
                continue
        offenders.append(f"{route} ({pattern.name})")
    assert offenders == []


def test_wagtails_front_end_login_is_sent_to_the_site_sign_in():
    response = Client().get("/_util/login/?next=/some/page/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fsome%2Fpage%2F"


@pytest.mark.django_db
def test_posting_a_password_to_wagtails_login_gives_no_session(tutor):
    SignInPolicy(require_two_factor_for_staff_and_tutors=True).save()
    TOTP.activate(tutor, "JBSWY3DPEHPK3PXP")
    client = Client()
    client.post("/_util/login/", {"username": tutor.username, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session


def test_private_pages_send_people_to_the_site_sign_in(settings):
    assert settings.WAGTAIL_FRONTEND_LOGIN_URL == "/accounts/login/"
