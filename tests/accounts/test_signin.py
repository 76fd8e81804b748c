"""Sign-in on django-allauth: username or e-mail, the failed-login lock (429, then recovery) on
every login form and on bearer tokens, and the admins' login pages routed through it."""

from __future__ import annotations

import pytest
from django.test import Client

from mentoring.accounts.services import throttle
from mentoring.accounts.services.tokens import create_api_token
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, login: str, password: str):
    return client.post("/accounts/login/", {"login": login, "password": password})


def test_sign_in_with_username_or_email(members):
    assert _login(Client(), "member1", TEST_PASSWORD).status_code == 302
    client = Client()
    assert _login(client, members[0].email.upper(), TEST_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(members[0].pk)


def test_repeated_wrong_passwords_lock_the_account_with_429_then_it_recovers(
    members, settings, monkeypatch
):
    clock = [1_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    client = Client()
    for _ in range(settings.LOGIN_THROTTLE_PER_ACCOUNT):
        response = _login(client, "member1", "wrong")
        assert response.status_code == 200
        assert b"correct username and password" in response.content
    locked = _login(client, "member1", TEST_PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= settings.LOGIN_THROTTLE_SECONDS
    assert "_auth_user_id" not in client.session
    # Another account from another address is not locked out by it.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _login(other, "member2", TEST_PASSWORD).status_code == 302

    clock[0] += settings.LOGIN_THROTTLE_SECONDS + 1
    assert _login(client, "member1", TEST_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(members[0].pk)


def test_guessing_many_accounts_from_one_address_is_locked_too(members, settings):
    settings.LOGIN_THROTTLE_PER_ADDRESS = 4
    client = Client()
    for n in range(4):
        assert _login(client, f"nobody{n}", "wrong").status_code == 200
    response = _login(client, "member3", TEST_PASSWORD)
    assert response.status_code == 429
    assert "Retry-After" in response


@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/"])
def test_admin_login_pages_go_through_the_site_sign_in(path):
    response = Client().get(path + "?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"
    offsite = Client().get(path + "?next=https://evil.example/")
    assert offsite["Location"] == "/accounts/login/"


def test_staff_sign_in_then_reach_the_wagtail_admin(user_factory):
    staff = user_factory(username="editor", is_staff=True, is_superuser=True)
    client = Client()
    response = client.post(
        "/accounts/login/?next=/admin/",
        {"login": staff.username, "password": TEST_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_bad_bearer_tokens_are_throttled_with_429_and_recover_but_a_valid_one_works(
    members, settings, monkeypatch
):
    clock = [2_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    settings.LOGIN_THROTTLE_PER_ADDRESS = 3
    good = create_api_token(user=members[0])
    client = Client()
    for _ in range(3):
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token")
        assert response.status_code == 401
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer still-not-a-token")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and "about 5 minutes" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= settings.LOGIN_THROTTLE_SECONDS
    # The bad tokens from this address do not lock out the good one from it.
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}")
    assert response.status_code == 200 and response.json()["username"] == "member1"

    clock[0] += settings.LOGIN_THROTTLE_SECONDS + 1
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401


def test_display_name_is_set_on_the_account_page(members):
    client = Client()
    client.force_login(members[0])
    assert b"Two-factor authentication" in client.get("/accounts/profile/").content
    response = client.post("/accounts/profile/", {"display_name": "  Mina   Member "})
    assert response.status_code == 302
    members[0].refresh_from_db()
    assert members[0].display_name == "Mina Member"


def test_email_change_needs_confirmation(members):
    from allauth.account.models import EmailAddress
    from django.core import mail

    client = Client()
    assert _login(client, "member1", TEST_PASSWORD).status_code == 302
    response = client.post("/accounts/email/", {"action_add": "", "email": "mina.new@example.test"})
    # Changing the address asks for the password again first, then does what was asked.
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert mail.outbox == []
    query = response["Location"].partition("?")[2]
    client.post(f"/accounts/reauthenticate/?{query}", {"password": TEST_PASSWORD})
    members[0].refresh_from_db()
    assert members[0].email == "member1@example.test"  # unchanged until confirmed
    assert len(mail.outbox) == 1 and "mina.new@example.test" in mail.outbox[0].to
    link = next(w for w in mail.outbox[0].body.split() if "/accounts/confirm-email/" in w)
    client.post(link[link.index("/accounts/") :])
    members[0].refresh_from_db()
    assert members[0].email == "mina.new@example.test"
    assert EmailAddress.objects.get(user=members[0], email="mina.new@example.test").verified


def test_demo_users_sign_in_and_the_demo_shows_pending_invitations(wagtail_root):
    from django.core.management import call_command

    from mentoring.models import Invitation

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    for login in ("tutor", "nqt1", "nqt1@staffroom.test"):
        assert _login(Client(), login, "staffroom-demo").status_code == 302
    pending = [i for i in Invitation.objects.filter(cohort__name="NQT Induction 2026")]
    assert len(pending) == 3 and {i.status for i in pending} == {"pending"}


def test_with_the_shared_cache_down_tokens_work_and_the_lock_counts_in_process(members, settings):
    """A Redis outage must not turn every bearer-token request and sign-in into a 500."""
    settings.CACHES = {
        **settings.CACHES,
        # Nothing listens on port 1: every call to this cache fails to connect.
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    token = create_api_token(user=members[0])
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["username"] == "member1"
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 2
    client = Client()
    assert _login(client, "member2", "wrong").status_code == 200
    assert _login(client, "member2", "wrong").status_code == 200
    assert _login(client, "member2", TEST_PASSWORD).status_code == 429
