"""The test platform, registered with the tool, and a launch through the Django test client:
login initiation → the platform signs an id_token for the nonce → the form post of it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from mentoring.lti.selectors import tool_urls
from mentoring.lti.services.registration import register_platform
from tests.lti.platform import Platform


@pytest.fixture(scope="session")
def running_platform():
    platform = Platform()
    yield platform
    platform.stop()


@pytest.fixture
def platform(running_platform, db, settings):
    """The platform, reset, registered with the tool (whose URLs are this test server's)."""
    settings.LTI_TOOL_BASE_URL = "http://testserver"
    p = running_platform
    p.keys = p.keys[:1]
    p.members.clear()
    p.line_items.clear()
    p.scores.clear()
    p.deep_link_responses.clear()
    p.launches.clear()
    p.users.clear()
    p.score_failures = 0
    p.tool_redirect_uris = tool_urls()["redirect_uris"]
    p.tool_jwks = None
    p.registration = register_platform(
        issuer=p.issuer,
        client_id=p.client_id,
        deployment_ids=[p.deployment_id],
        auth_url=p.auth_url,
        token_url=p.token_url,
        jwks_url=p.jwks_url,
    )
    return p


def start_login(
    client: Client, platform: Platform, *, deep_linking: bool = False, secure: bool = False
) -> dict:
    """The tool's login initiation; returns the OIDC parameters it sent to the platform."""
    urls = tool_urls()
    target = urls["deep_linking_url"] if deep_linking else urls["launch_url"]
    response = client.get(
        "/lti/login/",
        platform.login_params(login_hint="hint", message_hint="msg", target=target),
        secure=secure,
    )
    assert response.status_code == 302, response.content[:500]
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == platform.auth_url
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def launch(
    client: Client,
    platform: Platform,
    *,
    token: str | None = None,
    state: str | None = None,
    deep_linking: bool = False,
    secure: bool = False,
    **claims,
):
    """A whole launch: login initiation, then the id_token (signed by the platform with the
    nonce the tool issued, unless ``token`` is given) posted with the state."""
    params = start_login(client, platform, deep_linking=deep_linking, secure=secure)
    if deep_linking:
        claims.setdefault("message_type", "LtiDeepLinkingRequest")
    if token is None:
        token = platform.id_token(nonce=params["nonce"], **claims)
    path = urlsplit(params["redirect_uri"]).path
    response = client.post(
        path, {"id_token": token, "state": state or params["state"]}, secure=secure
    )
    response.lti_params = params
    response.lti_token = token
    return response
