"""Bad sign-in replies, one by one, against the real test identity providers: each is refused
with a page that says so, creates no account, and is logged."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.test import Client
from django.utils import timezone

from mentoring.models import Invitation, User
from tests.factories import make_cohort
from tests.sso.helpers import (
    idp_user,
    oidc_app,
    oidc_sign_in,
    post_saml,
    replace_query,
    saml_app,
    saml_response_for,
)

pytestmark = pytest.mark.django_db

REFUSED = "single sign-on refused: code="


@pytest.fixture
def client():
    return Client(HTTP_HOST="testserver")


@pytest.fixture
def invited(tutor):
    """Both people are invited: only the bad reply can stop them."""
    cohort = make_cohort(name="Bad input cohort", tutors=[tutor])
    expires = timezone.now() + timedelta(days=14)
    for email in ("tom@uni.example", "nina@school.example", "una@school.example"):
        Invitation.objects.create(cohort=cohort, email=email, expires_at=expires)
    return cohort


def assert_refused(response, caplog, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.content[:2000]
    assert f'data-code="{code}"'.encode() in response.content
    assert b"You are not signed in" in response.content
    assert REFUSED + code in caplog.text
    assert not User.objects.filter(email__in=["tom@uni.example", "nina@school.example"]).exists()
    assert not SocialAccount.objects.exists()


# --- SAML -------------------------------------------------------------------------------------
@pytest.fixture
def university(client, saml_idp, invited):
    app = saml_app(client, saml_idp)
    idp_user(saml_idp, "tom", "tom@uni.example", "Tom", "Tutor")
    return app


def _xml(form: dict) -> str:
    return base64.b64decode(form["SAMLResponse"]).decode()


def _with_xml(form: dict, xml: str) -> dict:
    return {**form, "SAMLResponse": base64.b64encode(xml.encode()).decode()}


def test_saml_an_unsigned_assertion_is_refused(client, university, caplog):
    form = saml_response_for(client, university, "tom@uni.example", "tom")
    signature = r"<(\w+:)?Signature[ >].*?</(\w+:)?Signature>"
    assert re.search(signature, _xml(form), flags=re.S)
    unsigned = re.sub(signature, "", _xml(form), flags=re.S)
    assert not re.search(r"<(\w+:)?Signature[ >]", unsigned)
    assert_refused(post_saml(client, _with_xml(form, unsigned)), caplog, "authentication_failed")


def test_saml_a_wrongly_signed_assertion_is_refused(client, university, caplog):
    form = saml_response_for(client, university, "tom@uni.example", "tom")
    xml = _xml(form)
    assert "tom@uni.example" in xml
    forged = xml.replace("Tom Tutor", "Mallory Forger")
    assert forged != xml
    assert_refused(post_saml(client, _with_xml(form, forged)), caplog, "authentication_failed")


def test_saml_a_replayed_assertion_is_refused(client, university, caplog):
    form = saml_response_for(client, university, "tom@uni.example", "tom")
    first = post_saml(client, form)
    assert first.status_code == 302 and User.objects.filter(email="tom@uni.example").exists()
    User.objects.filter(email="tom@uni.example").delete()  # what the replay could bring back
    replay = post_saml(Client(HTTP_HOST="testserver"), form)
    assert_refused(replay, caplog, "replayed")
    again_same_browser = post_saml(client, form)
    assert again_same_browser.status_code == 400


def test_saml_an_assertion_for_another_audience_is_refused(client, university, caplog):
    form = saml_response_for(client, university, "tom@uni.example", "tom")
    # Staffroom is now known by another entity id: the assertion is for someone else.
    university.settings["sp"] = {"entity_id": "https://another-service.example/saml"}
    university.save()
    assert_refused(post_saml(client, form), caplog, "authentication_failed")
    assert "audience" in caplog.text.lower()


def test_saml_an_expired_assertion_is_refused(client, university, caplog):
    form = saml_response_for(client, university, "tom@uni.example", "tom")
    assert "NotOnOrAfter" in _xml(form)
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        response = post_saml(client, form)
    assert_refused(response, caplog, "authentication_failed")


def test_saml_a_relay_state_pointing_off_site_is_refused(client, university, caplog):
    form = saml_response_for(client, university, "tom@uni.example", "tom")
    response = post_saml(client, form, RelayState="https://evil.example/phish")
    assert_refused(response, caplog, "relay_state_off_site")


# --- OpenID Connect --------------------------------------------------------------------------
@pytest.fixture
def school(oidc_op, invited):
    app = oidc_app(oidc_op)
    idp_user(oidc_op, "nina", "nina@school.example", "Nina", "Newly")
    return app


def test_oidc_a_state_mismatch_is_refused(school, caplog):
    tamper = {"callback": lambda url: replace_query(url, state="not-the-state-we-sent")}
    response = oidc_sign_in(Client(), school, "nina@school.example", "nina", tamper=tamper)
    assert_refused(response, caplog, "authentication_failed")


def test_oidc_a_nonce_mismatch_is_refused(school, caplog):
    tamper = {"authorize": lambda url: replace_query(url, nonce="a-nonce-of-someone-else")}
    response = oidc_sign_in(Client(), school, "nina@school.example", "nina", tamper=tamper)
    assert_refused(response, caplog, "nonce_mismatch")


def test_oidc_an_id_token_from_another_issuer_is_refused(school, caplog):
    SocialApp.objects.filter(pk=school.pk).update(
        settings={
            **school.settings,
            "openid_configuration_overrides": {"issuer": "https://impostor.example/openid"},
        }
    )
    response = oidc_sign_in(Client(), school, "nina@school.example", "nina")
    assert_refused(response, caplog, "authentication_failed")
    assert "Invalid id_token" in caplog.text


def test_oidc_an_address_the_provider_does_not_verify_is_refused(oidc_op, school, caplog):
    idp_user(oidc_op, "unverified-una", "una@school.example")
    response = oidc_sign_in(Client(), school, "una@school.example", "unverified-una")
    assert_refused(response, caplog, "email_not_vouched", status=403)
    assert not User.objects.filter(email="una@school.example").exists()


def test_oidc_an_address_outside_the_providers_domains_is_refused(oidc_op, school, caplog):
    # The school's provider asserts a university address: not its to vouch for.
    idp_user(oidc_op, "tom-at-school", "tom@uni.example")
    response = oidc_sign_in(Client(), school, "nina@school.example", "tom-at-school")
    assert_refused(response, caplog, "email_not_vouched", status=403)
