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


def test_only_registered_platforms_may_frame_lti_pages_and_launched_sessions(platform):
    page = Client().get("/lti/register/")
    assert frame_ancestors(page) == f"frame-ancestors 'self' {platform.url}"
    client = Client()
    launch(client, platform, roles=[LEARNER])
    assert frame_ancestors(client.get("/notifications/")) == (
        f"frame-ancestors 'self' {platform.url}"
    )
    # Sessions that never came by a launch, and the admin, are never framed.
    assert frame_ancestors(Client().get("/accounts/login/")) == "frame-ancestors 'self'"
    admin = Client().get("/django-admin/login/")
    assert frame_ancestors(admin) == "frame-ancestors 'self'"
    platform.registration.is_active = False
    platform.registration.save()
    assert frame_ancestors(Client().get("/lti/register/")) == "frame-ancestors 'self'"


def test_without_platforms_only_self(db):
    assert frame_ancestors(Client().get("/lti/register/")) == "frame-ancestors 'self'"


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


def _storage_login(client, platform):
    from urllib.parse import urlencode

    from mentoring.lti.selectors import tool_urls

    params = platform.login_params(
        login_hint="h", message_hint="m", target=tool_urls()["launch_url"]
    )
    params["lti_storage_target"] = "_parent"
    page = client.get("/lti/login/?" + urlencode(params))
    assert page.status_code == 200
    html = page.content.decode()
    import re

    state = re.search(r'data-state="([^"]+)"', html).group(1)
    nonce = re.search(r'data-nonce="([^"]+)"', html).group(1)
    assert f'data-origin="{platform.url}"' in html and 'data-target="_parent"' in html
    return state, nonce


def test_platform_storage_replaces_the_state_cookie(platform):
    state, nonce = _storage_login(Client(), platform)
    token = platform.id_token(nonce=nonce)
    cookieless = Client()  # the iframe's browser kept no cookie
    first = cookieless.post("/lti/launch/", {"id_token": token, "state": state})
    assert first.status_code == 200 and b"data-lti-storage-launch" in first.content
    assert "_auth_user_id" not in first.wsgi_request.session
    done = cookieless.post(
        "/lti/launch/", {"id_token": token, "state": state, "lti_storage_checked": "1"}
    )
    assert done.status_code == 200 and "_auth_user_id" in done.wsgi_request.session
    # Once only.
    again = Client().post(
        "/lti/launch/", {"id_token": token, "state": state, "lti_storage_checked": "1"}
    )
    assert again.status_code == 403


def test_storage_flag_does_not_excuse_a_state_issued_for_cookies(platform):
    from tests.lti.conftest import start_login

    params = start_login(Client(), platform)
    token = platform.id_token(nonce=params["nonce"])
    response = Client().post(
        "/lti/launch/", {"id_token": token, "state": params["state"], "lti_storage_checked": "1"}
    )
    assert response.status_code == 403 and b'data-check="state"' in response.content


def test_in_an_iframe_without_storage_the_cookie_check_offers_a_new_window(platform):
    from urllib.parse import urlencode

    params = platform.login_params(login_hint="h", message_hint="m", target="")
    page = Client().get("/lti/login/?" + urlencode(params), headers={"Sec-Fetch-Dest": "iframe"})
    assert page.status_code == 200 and b"data-lti-cookie-check" in page.content
    assert (
        b"lti1p3_new_window=1" in page.content and b"Open Staffroom in a new window" in page.content
    )
    assert page.cookies["lti_cookie_check"].value == "1"
    new_window = Client().get(
        "/lti/login/?" + urlencode({**params, "lti1p3_new_window": "1"}),
        headers={"Sec-Fetch-Dest": "iframe"},
    )
    assert new_window.status_code == 302


# --- The hand-off to a window of Staffroom's own ----------------------------------------------
def _storage_launch(client, platform, **claims):
    """A storage login and its launch, in a browser that keeps no cookie (as in the iframe
    with third-party cookies blocked); returns the page the launch answers."""
    state, nonce = _storage_login(client, platform)
    token = platform.id_token(nonce=nonce, **claims)
    first = Client().post("/lti/launch/", {"id_token": token, "state": state})
    assert b"data-lti-storage-launch" in first.content
    return Client().post(
        "/lti/launch/", {"id_token": token, "state": state, "lti_storage_checked": "1"}
    )


def _handoff_url(page) -> str:
    import re

    return re.search(r'href="(/lti/continue/[^"]+)"', page.content.decode()).group(1)


def test_a_launch_whose_cookies_cannot_live_in_the_iframe_hands_off_to_a_new_window(platform):
    from tests.lti.platform import INSTRUCTOR

    page = _storage_launch(Client(), platform, roles=[INSTRUCTOR])
    assert page.status_code == 200 and b"data-lti-session-check" in page.content
    assert b'data-url="/lti/course/"' in page.content  # where it goes if the cookie is kept
    assert page.cookies["lti_session_check"].value == "1"
    assert b"Open Staffroom in a new window" in page.content
    url = _handoff_url(page)

    window = Client(enforce_csrf_checks=True)  # the new window: first-party, its own cookies
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    planted = store()  # a session the window had before (an attacker's planted one, say)
    planted["planted"] = True
    planted.save()
    window.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    confirm = window.get(url)
    assert confirm.status_code == 200 and b"Continue as Ada Lovelace" in confirm.content
    assert "_auth_user_id" not in confirm.wsgi_request.session  # GET signs nobody in
    forged = Client(enforce_csrf_checks=True).post(url)  # a cross-site post: no CSRF token
    assert forged.status_code == 403
    csrf = window.cookies[settings.CSRF_COOKIE_NAME].value
    done = window.post(url, {"csrfmiddlewaretoken": csrf})
    assert done.status_code == 302 and done["Location"] == "/lti/course/"
    assert "_auth_user_id" in done.wsgi_request.session
    new_key = window.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted.session_key  # a fresh session key: no fixation
    assert not store().exists(planted.session_key)
    # The launch and its course came along: the instructor's set-up page opens.
    assert window.get("/lti/course/").status_code == 200
    # Single use: the same link again (any browser) is refused.
    assert Client().get(url).status_code == 410
    again = Client().post(url)
    assert again.status_code == 410 and b"lti_handoff_invalid" in again.content


def test_the_handoff_expires(platform):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from mentoring.lti.services import handoff
    from tests.lti.platform import INSTRUCTOR

    url = _handoff_url(_storage_launch(Client(), platform, roles=[INSTRUCTOR]))
    later = timezone.now() + timedelta(seconds=handoff.HANDOFF_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        late = Client().post(url)
    assert late.status_code == 410 and b"lti_handoff_invalid" in late.content
    assert "_auth_user_id" not in late.wsgi_request.session


def test_a_launch_with_its_cookies_goes_straight_on(platform):
    """Cookies kept (no storage needed): no hand-off is issued, the launch redirects."""
    from tests.lti.platform import INSTRUCTOR

    response = launch(Client(), platform, roles=[INSTRUCTOR])
    assert response.status_code == 302 and response["Location"] == "/lti/course/"
