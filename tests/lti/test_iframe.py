"""Inside the platform's iframe: who may frame Staffroom, and the cookies a launch needs."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.lti.conftest import launch
from tests.lti.platform import LEARNER

pytestmark = pytest.mark.django_db


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(p for p in policy.split(";") if p.strip().startswith("frame-ancestors")).strip()


def test_only_registered_platforms_may_frame_the_site(platform):
    page = Client().get("/accounts/login/")
    assert frame_ancestors(page) == f"frame-ancestors 'self' {platform.url}"
    assert "evil" not in frame_ancestors(page)
    admin = Client().get("/django-admin/login/")
    assert frame_ancestors(admin) == "frame-ancestors 'self'"
    platform.registration.is_active = False
    platform.registration.save()
    assert frame_ancestors(Client().get("/accounts/login/")) == "frame-ancestors 'self'"


def test_without_platforms_only_self(db):
    assert frame_ancestors(Client().get("/accounts/login/")) == "frame-ancestors 'self'"


def test_launch_session_cookies_work_in_an_iframe_over_https(platform, settings):
    settings.SESSION_COOKIE_SECURE = True
    client = Client()
    response = launch(client, platform, roles=[LEARNER], secure=True)
    assert response.status_code == 200
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["samesite"].startswith("None")
    assert "Partitioned" in session.output()
    # A session that never came by a launch keeps the site's Lax cookie.
    other = Client()
    other.force_login(response.wsgi_request.user)
    page = other.get("/accounts/login/", secure=True)
    cookie = page.cookies.get(settings.SESSION_COOKIE_NAME)
    assert cookie is None or "None" not in cookie["samesite"]


def test_over_plain_http_cookies_are_left_alone(platform):
    response = launch(Client(), platform, roles=[LEARNER])
    assert "Partitioned" not in response.cookies[settings.SESSION_COOKIE_NAME].output()
