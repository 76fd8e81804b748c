"""Two-factor sign-in for a tutor (allauth's TOTP with recovery codes), and the policy by which
staff require it for staff and tutors."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client

from mentoring.models import SignInPolicy
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _sign_in(client: Client, username: str):
    return client.post("/accounts/login/", {"login": username, "password": TEST_PASSWORD})


def _activate_totp(client: Client) -> str:
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": TEST_PASSWORD})  # confirm it is you
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert response.status_code == 302
    return secret


def test_a_tutor_with_totp_needs_a_code_or_a_recovery_code(cohort, tutor):
    client = Client()
    assert _sign_in(client, tutor.username).status_code == 302
    secret = _activate_totp(client)
    assert Authenticator.objects.filter(user=tutor, type="totp").exists()
    recovery = RecoveryCodes(Authenticator.objects.get(user=tutor, type="recovery_codes"))
    client.post("/accounts/logout/")

    # The password alone no longer signs the tutor in: a code is asked for.
    client = Client()
    response = _sign_in(client, tutor.username)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    ok = client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(tutor.pk)
    assert client.get(f"/cohorts/{cohort.pk}/members/").status_code == 200

    # A recovery code works once instead.
    other = Client()
    _sign_in(other, tutor.username)
    code = recovery.get_unused_codes()[0]
    assert other.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert other.session["_auth_user_id"] == str(tutor.pk)
    third = Client()
    _sign_in(third, tutor.username)
    third.post("/accounts/2fa/authenticate/", {"code": code})
    assert "_auth_user_id" not in third.session


def test_policy_sends_tutors_to_set_up_two_factor_but_not_members(cohort, tutor, members):
    SignInPolicy(require_two_factor_for_staff_and_tutors=True).save()
    member = Client()
    member.force_login(members[0])
    assert member.get("/notifications/").status_code == 200

    client = Client()
    _sign_in(client, tutor.username)
    response = client.get(f"/cohorts/{cohort.pk}/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    _activate_totp(client)
    assert client.get(f"/cohorts/{cohort.pk}/members/").status_code == 200


def test_without_the_policy_tutors_may_skip_two_factor(cohort, tutor):
    client = Client()
    client.force_login(tutor)
    assert client.get(f"/cohorts/{cohort.pk}/members/").status_code == 200
