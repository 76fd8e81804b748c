"""The sign-in locks as the outside probe attacked them: the client address behind proxies, one
account under several names, locks as a weapon against the owner, the lock after a password
reset, the words it speaks, two-factor codes, and the work a locked attempt costs."""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client

from mentoring.accounts.services import throttle
from mentoring.core.addresses import client_address_from
from mentoring.models import SignInPolicy
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "platform" / "deploy"


@pytest.fixture
def clock(monkeypatch):
    now = [3_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: now[0])
    return now


def _login(client: Client, login: str, password: str, **extra):
    return client.post("/accounts/login/", {"login": login, "password": password}, **extra)


def _signed_in(client: Client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


# --- 1. The client address: only what trusted proxies added --------------------------------
def test_without_trusted_proxies_x_forwarded_for_is_ignored(members, settings, clock):
    settings.LOGIN_THROTTLE_PER_ADDRESS = 20
    client = Client()
    for n in range(20):
        response = _login(client, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert response.status_code == 200
    locked = _login(client, "member1", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert locked.status_code == 429


def test_behind_nginx_the_lock_keys_on_the_address_nginx_saw(members, settings, clock):
    """nginx (on a Unix socket: no peer address) appends the address it saw to whatever
    X-Forwarded-For the client sent; only that last entry is the client."""
    settings.TRUSTED_PROXIES = ["unix"]
    settings.LOGIN_THROTTLE_PER_ADDRESS = 20
    attacker = Client(REMOTE_ADDR="")
    for n in range(20):
        spoofed = f"198.51.100.{n}, 203.0.113.66"  # a new "address" each time, then nginx's
        assert (
            _login(attacker, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR=spoofed).status_code == 200
        )
    assert (
        _login(
            attacker, "member1", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.66"
        ).status_code
        == 429
    )
    # The addresses the attacker wrote were not locked: their owners still sign in.
    victim = Client(REMOTE_ADDR="")
    assert (
        _login(victim, "member2", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.3").status_code
        == 302
    )


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        ([], "203.0.113.5", ["1.2.3.4"], "203.0.113.5"),
        (["unix"], None, ["6.6.6.6, 203.0.113.5"], "203.0.113.5"),
        (["unix"], None, ["6.6.6.6", "203.0.113.5"], "203.0.113.5"),  # two header lines
        (["unix"], "10.0.0.2", ["6.6.6.6, 203.0.113.5"], "10.0.0.2"),  # a TCP peer: not trusted
        (["10.0.0.0/8"], "10.0.0.2", ["6.6.6.6, 203.0.113.5, 10.0.0.9"], "203.0.113.5"),
        (["10.0.0.0/8"], "10.0.0.2", ["6.6.6.6, [2001:db8::1]:443"], "2001:db8::1"),
        (["10.0.0.0/8"], "10.0.0.2", ["6.6.6.6, garbage"], "10.0.0.2"),
        (["unix"], None, [], "unknown"),
    ],
)
def test_client_address_takes_only_trusted_hops(settings, trusted, peer, forwarded, client):
    settings.TRUSTED_PROXIES = trusted
    assert client_address_from(peer, forwarded) == client


def _exec_start_options() -> dict[str, str | bool]:
    text = (DEPLOY / "staffroom-web@.service").read_text()
    command = re.search(r"^ExecStart=(.*?)(?<!\\)$", text, re.S | re.M).group(1)
    options: dict[str, str | bool] = {}
    for word in shlex.split(command.replace("\\\n", " ")):
        if word.startswith("--"):
            name, _, value = word[2:].partition("=")
            options[name] = value or True
    return options


def _env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_the_production_stack_finds_the_real_client_behind_nginx(settings):
    """uvicorn as the systemd unit starts it, the settings env.example gives, and the headers
    nginx.conf sets: a client that writes its own X-Forwarded-For is still itself."""
    import asyncio

    from django.core.handlers.asgi import ASGIRequest
    from uvicorn.config import Config

    assert "$proxy_add_x_forwarded_for" in (DEPLOY / "nginx.conf").read_text()
    options = _exec_start_options()
    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)

    config = Config(
        app,
        uds="/run/staffroom/web-1.sock",
        proxy_headers=not options.get("no-proxy-headers", False),
        forwarded_allow_ips=options.get("forwarded-allow-ips"),
    )
    config.load()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/accounts/login/",
        "raw_path": b"/accounts/login/",
        "query_string": b"",
        "root_path": "",
        "client": None,  # a Unix socket's peer has no address
        "server": None,
        "headers": [
            (b"host", b"staffroom.example.org"),
            (b"x-forwarded-for", b"198.51.100.7, 203.0.113.66"),
            (b"x-forwarded-proto", b"https"),
        ],
    }
    asyncio.run(config.loaded_app(scope, None, None))
    settings.TRUSTED_PROXIES = [
        p for p in _env_example().get("TRUSTED_PROXIES", "").split(",") if p
    ]
    request = ASGIRequest(seen, __import__("io").BytesIO())
    assert throttle.client_address(request) == "203.0.113.66"


# --- 2. One account, one counter, whatever was typed ---------------------------------------
def test_username_and_email_share_the_accounts_counter(members, settings, clock):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 5
    client = Client()
    for login in ["member1", "MEMBER1", "member1@example.test", "Member1@Example.TEST"]:
        assert _login(client, login, "wrong").status_code == 200
    assert _login(client, "member1@EXAMPLE.test", "wrong").status_code == 200  # the 5th
    for login in ["member1", "member1@example.test"]:
        assert _login(client, login, TEST_PASSWORD).status_code == 429


def test_every_email_address_of_the_account_counts_for_it(members, settings, clock):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=members[0], email="mina.second@example.test", verified=True)
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 3
    client = Client()
    for login in ["member1", "MINA.SECOND@example.test", "member1@example.test"]:
        _login(client, login, "wrong")
    assert _login(client, "member1", TEST_PASSWORD).status_code == 429


# --- 3. Locks are not a weapon -------------------------------------------------------------
def test_a_guesser_elsewhere_does_not_lock_the_owner_out(members, settings, clock):
    guesser = Client(REMOTE_ADDR="192.0.2.66")
    for _ in range(settings.LOGIN_THROTTLE_PER_ACCOUNT):
        _login(guesser, "member1", "wrong")
    assert _login(guesser, "member1", TEST_PASSWORD).status_code == 429
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert _login(owner, "member1", TEST_PASSWORD).status_code == 302
    assert _signed_in(owner, members[0])


def test_guessing_from_many_addresses_meets_the_account_limit_but_the_owners_browser_passes(
    members, settings, clock
):
    settings.LOGIN_THROTTLE_PER_ACCOUNT_TOTAL = 6
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert _login(owner, "member1", TEST_PASSWORD).status_code == 302  # signed in here before
    owner.post("/accounts/logout/")
    for n in range(3):
        guesser = Client(REMOTE_ADDR=f"192.0.2.{n}")
        _login(guesser, "member1", "wrong")
        _login(guesser, "member1@example.test", "wrong")
    stranger = Client(REMOTE_ADDR="192.0.2.99")
    assert _login(stranger, "member1", TEST_PASSWORD).status_code == 429
    assert _login(owner, "member1", TEST_PASSWORD).status_code == 302
    assert _signed_in(owner, members[0])
    # The cookie is signed: a made-up one is worth nothing.
    stranger.cookies[throttle.KNOWN_DEVICE_COOKIE] = f'["user:{members[0].pk}"]'
    assert _login(stranger, "member1", TEST_PASSWORD).status_code == 429


# --- 4. A reset lifts the lock; the lock warns first and speaks in words --------------------
def test_the_last_try_warns_and_the_lock_speaks_in_words(members, settings, clock):
    client = Client()
    for _ in range(settings.LOGIN_THROTTLE_PER_ACCOUNT - 2):
        response = _login(client, "member1", "wrong")
        assert b"One more wrong password" not in response.content
    response = _login(client, "member1", "wrong")
    assert "One more wrong password locks sign-in for about 5 minutes." in response.content.decode()
    response = _login(client, "member1", "wrong")
    assert "Sign-in is locked for about 5 minutes." in response.content.decode()
    clock[0] += 23
    locked = _login(client, "member1", TEST_PASSWORD)
    assert locked.status_code == 429 and locked["Retry-After"] == "277"
    text = locked.content.decode()
    assert "about 5 minutes" in text and "second" not in text


def test_a_password_reset_lifts_the_accounts_lock(members, settings, clock):
    client = Client()
    for _ in range(settings.LOGIN_THROTTLE_PER_ACCOUNT):
        _login(client, "member1", "wrong")
    assert _login(client, "member1", TEST_PASSWORD).status_code == 429
    clock[0] += 10
    client.post("/accounts/password/reset/", {"email": "member1@example.test"})
    link = next(w for w in mail.outbox[-1].body.split() if "/accounts/password/reset/key/" in w)
    page = client.get(link[link.index("/accounts/") :], follow=True)
    new_password = "a-fresh-long-password-42"
    client.post(page.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    client.post("/accounts/logout/")
    assert _login(client, "member1", new_password).status_code == 302
    assert _signed_in(client, members[0])


# --- 6. Two-factor codes are locked like passwords -----------------------------------------
def _code(secret: str, offset: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def test_wrong_two_factor_codes_lock_code_entry(tutor, settings, clock):
    secret = "JBSWY3DPEHPK3PXP"
    TOTP.activate(tutor, secret)
    client = Client()
    assert (
        _login(client, tutor.username, TEST_PASSWORD)["Location"] == "/accounts/2fa/authenticate/"
    )
    right = _code(secret)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for n in range(settings.TWO_FACTOR_THROTTLE_PER_ACCOUNT):
        response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        if n == settings.TWO_FACTOR_THROTTLE_PER_ACCOUNT - 2:
            assert "One more wrong code" in response.content.decode()
    response = client.post("/accounts/2fa/authenticate/", {"code": right})
    assert "_auth_user_id" not in client.session
    assert "Too many wrong codes. Try again in about 5 minutes." in response.content.decode()
    clock[0] += settings.LOGIN_THROTTLE_SECONDS + 1
    response = client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert response.status_code == 302 and _signed_in(client, tutor)
    assert Authenticator.objects.filter(user=tutor, type="totp").exists()


# --- 7. A locked attempt costs no password hashing ------------------------------------------
def test_a_locked_sign_in_is_refused_before_any_password_is_hashed(
    members, settings, clock, monkeypatch
):
    hashed = []
    encode, verify = MD5PasswordHasher.encode, MD5PasswordHasher.verify
    monkeypatch.setattr(
        MD5PasswordHasher, "encode", lambda *a, **k: hashed.append(1) or encode(*a, **k)
    )
    monkeypatch.setattr(
        MD5PasswordHasher, "verify", lambda *a, **k: hashed.append(1) or verify(*a, **k)
    )
    client = Client()
    for _ in range(settings.LOGIN_THROTTLE_PER_ACCOUNT):
        _login(client, "member1", "wrong")
    assert hashed
    hashed.clear()
    assert _login(client, "member1", "wrong").status_code == 429
    assert _login(client, "MEMBER1@example.test", TEST_PASSWORD).status_code == 429
    assert hashed == []


@pytest.mark.parametrize("token", ["abc\x00def", "\x00"])
def test_a_nul_in_a_bearer_token_is_a_coded_400(members, token):
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "NUL" in body["detail"]


def test_the_two_factor_policy_holds_on_the_api(api, cohort, tutor, members):
    SignInPolicy(require_two_factor_for_staff_and_tutors=True).save()
    session = Client()
    session.force_login(tutor)
    token = api(tutor)
    for response in [
        session.get(f"/api/v1/cohorts/{cohort.pk}/participation"),
        session.get(f"/api/v1/cohorts/{cohort.pk}/inbox"),
        token.get(f"/api/v1/cohorts/{cohort.pk}/participation"),
        token.get("/api/v1/me"),
        token.post(
            f"/api/v1/cohorts/{cohort.pk}/nudges", {"user_ids": [members[0].pk], "message": "Hi"}
        ),
    ]:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "two_factor_required" and response.json()["detail"]
    # Members are not asked; once the tutor has set it up, the API answers.
    assert api(members[0]).get("/api/v1/me").status_code == 200
    TOTP.activate(tutor, "JBSWY3DPEHPK3PXP")
    assert token.get(f"/api/v1/cohorts/{cohort.pk}/participation").status_code == 200
    assert session.get(f"/api/v1/cohorts/{cohort.pk}/inbox").status_code == 200
