"""Every bad launch is refused with the check it failed, a log line, no session, never a 500."""

from __future__ import annotations

import logging
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client
from jwcrypto import jwk

from mentoring.lti.services.launch import LaunchRefused
from tests.lti.conftest import launch, start_login
from tests.lti.platform import INSTRUCTOR, LEARNER

pytestmark = pytest.mark.django_db


def assert_refused(response, check: str, caplog) -> None:
    assert response.status_code == 403, response.content[:300]
    assert f'data-check="{check}"'.encode() in response.content, response.content
    assert any(f"check={check}" in r.getMessage() for r in caplog.records)
    assert (
        django_settings.SESSION_COOKIE_NAME not in response.cookies
        or not response.cookies[django_settings.SESSION_COOKIE_NAME].value
    )
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.fixture(autouse=True)
def _log(caplog):
    caplog.set_level(logging.INFO, logger="mentoring.lti")


def test_a_good_launch_is_accepted(platform):
    response = launch(Client(), platform, roles=[LEARNER])
    assert response.status_code == 200
    assert "_auth_user_id" in response.wsgi_request.session


def test_replayed_id_token(platform, caplog):
    client = Client()
    first = launch(client, platform, roles=[LEARNER])
    assert first.status_code == 200
    # Captured and replayed from another browser (the state was marked good for this token).
    again = Client().post(
        "/lti/launch/", {"id_token": first.lti_token, "state": first.lti_params["state"]}
    )
    assert_refused(again, "replayed", caplog)


def test_wrong_audience(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    body = platform.claims(nonce=params["nonce"])
    body["aud"] = "some-other-tool"
    body["azp"] = "some-other-tool"
    response = client.post(
        "/lti/launch/", {"id_token": platform.sign(body), "state": params["state"]}
    )
    assert_refused(response, "audience", caplog)


def test_several_audiences_need_azp_to_be_us(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    body = platform.claims(nonce=params["nonce"])
    body["aud"] = [platform.client_id, "another"]
    body["azp"] = "another"
    response = client.post(
        "/lti/launch/", {"id_token": platform.sign(body), "state": params["state"]}
    )
    assert_refused(response, "audience", caplog)


def test_expired(platform, caplog):
    then = int(time.time()) - 3600
    response = launch(Client(), platform, now=then, lifetime=60)
    assert_refused(response, "expired", caplog)


def test_unknown_issuer(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    body = platform.claims(nonce=params["nonce"])
    body["iss"] = "https://unknown.example"
    response = client.post(
        "/lti/launch/", {"id_token": platform.sign(body), "state": params["state"]}
    )
    assert_refused(response, "issuer", caplog)


def test_unknown_issuer_at_login(platform, caplog):
    params = platform.login_params(login_hint="h", message_hint="m", target="")
    params["iss"] = "https://unknown.example"
    response = Client().get("/lti/login/", params)
    assert_refused(response, "issuer", caplog)


def test_unknown_deployment(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    body = platform.claims(nonce=params["nonce"])
    body["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "never-registered"
    response = client.post(
        "/lti/launch/", {"id_token": platform.sign(body), "state": params["state"]}
    )
    assert_refused(response, "deployment", caplog)
    from lti_tool.models import LtiDeployment

    assert not LtiDeployment.objects.filter(deployment_id="never-registered").exists()


def test_bad_signature(platform, caplog):
    stranger = jwk.JWK.generate(kty="RSA", size=2048, kid=platform.keys[0].kid)
    client = Client()
    params = start_login(client, platform)
    token = platform.sign(platform.claims(nonce=params["nonce"]), key=stranger)
    response = client.post("/lti/launch/", {"id_token": token, "state": params["state"]})
    assert_refused(response, "signature", caplog)


def test_tampered_payload(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    good = platform.sign(platform.claims(nonce=params["nonce"], roles=[LEARNER]))
    forged = platform.sign(platform.claims(nonce=params["nonce"], roles=[INSTRUCTOR]))
    header, _, signature = good.split(".")
    token = ".".join([header, forged.split(".")[1], signature])
    response = client.post("/lti/launch/", {"id_token": token, "state": params["state"]})
    assert_refused(response, "signature", caplog)


def test_alg_none(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    token = platform.unsigned(
        platform.claims(nonce=params["nonce"]),
        {"alg": "none", "typ": "JWT", "kid": platform.keys[0].kid},
    )
    response = client.post("/lti/launch/", {"id_token": token, "state": params["state"]})
    assert_refused(response, "algorithm", caplog)


def test_hs256_with_the_public_key_as_secret(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    public_pem = platform.keys[0].export_to_pem()
    token = platform.hs256(
        platform.claims(nonce=params["nonce"]), secret=public_pem, kid=platform.keys[0].kid
    )
    response = client.post("/lti/launch/", {"id_token": token, "state": params["state"]})
    assert_refused(response, "algorithm", caplog)


def test_missing_sub(platform, caplog):
    response = launch(Client(), platform, sub=None)
    assert_refused(response, "sub", caplog)


def test_unknown_message_type(platform, caplog):
    response = launch(Client(), platform, message_type="LtiSomethingElse")
    assert_refused(response, "message_type", caplog)


def test_deep_linking_response_not_requested_by_us(platform, caplog):
    response = launch(Client(), platform, message_type="LtiDeepLinkingResponse")
    assert_refused(response, "unrequested_deep_linking_response", caplog)


def test_nonce_the_tool_never_issued(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    token = platform.id_token(nonce="made-up-nonce")
    response = client.post("/lti/launch/", {"id_token": token, "state": params["state"]})
    assert_refused(response, "nonce", caplog)


def test_state_of_another_browser(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    token = platform.id_token(nonce=params["nonce"])
    response = Client().post("/lti/launch/", {"id_token": token, "state": params["state"]})
    assert_refused(response, "state", caplog)


@pytest.mark.parametrize(
    "post",
    [
        {},
        {"state": "x"},
        {"state": "x", "id_token": "garbage"},
        {"state": "x", "id_token": "a.b.c"},
        {"state": "x", "id_token": "\x00"},
    ],
)
def test_garbage_is_refused_not_a_500(platform, post):
    client = Client()
    start_login(client, platform)
    response = client.post("/lti/launch/", post)
    assert response.status_code == 403


def test_malformed_claims_are_refused_not_a_500(platform, caplog):
    client = Client()
    params = start_login(client, platform)
    body = platform.claims(nonce=params["nonce"])
    body["https://purl.imsglobal.org/spec/lti/claim/roles"] = "not-a-list"
    body["https://purl.imsglobal.org/spec/lti/claim/context"] = "not-an-object"
    response = client.post(
        "/lti/launch/", {"id_token": platform.sign(body), "state": params["state"]}
    )
    assert response.status_code in (400, 403)


@pytest.mark.parametrize(
    "claim, value",
    [
        ("https://purl.imsglobal.org/spec/lti/claim/context", "not-an-object"),
        ("https://purl.imsglobal.org/spec/lti/claim/context", {"id": "x" * 1000}),
        ("name", "n" * 5000),
        ("sub", "s" * 1000),
    ],
)
def test_signed_but_malformed_claims_are_refused(platform, caplog, claim, value):
    client = Client()
    params = start_login(client, platform)
    body = platform.claims(nonce=params["nonce"], roles=[INSTRUCTOR])
    body[claim] = value
    response = client.post(
        "/lti/launch/", {"id_token": platform.sign(body), "state": params["state"]}
    )
    assert_refused(response, "claims", caplog)


def test_refusals_are_rate_limited_per_address(platform, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lti": ["3/600"]}
    for _ in range(3):
        assert launch(Client(), platform, sub=None).status_code == 403
    held = launch_without_login(platform)
    assert held.status_code == 429 and held["Retry-After"]


def launch_without_login(platform):
    return Client().post("/lti/launch/", {"id_token": "x", "state": "y"})


def test_platform_key_rotation_refetches_the_key_set_once(platform):
    assert launch(Client(), platform, sub="a").status_code == 200
    fetched = platform.jwks_requests
    assert launch(Client(), platform, sub="a").status_code == 200
    assert platform.jwks_requests == fetched  # cached
    platform.rotate_keys()
    platform.retire_old_keys()
    assert launch(Client(), platform, sub="a").status_code == 200
    assert platform.jwks_requests == fetched + 1


def test_launch_refused_carries_its_check():
    assert LaunchRefused("expired", "x").code == "lti_expired"
