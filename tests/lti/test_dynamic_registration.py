"""LTI Dynamic Registration with the test platform: recorded inactive until staff activate."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from lti_tool.models import LtiDeployment, LtiRegistration

from tests.lti.conftest import launch
from tests.lti.platform import LEARNER, TOOL_CONFIG_CLAIM

pytestmark = pytest.mark.django_db


def register_url(platform, token=None) -> str:
    return "/lti/register/?" + urlencode(
        {
            "openid_configuration": platform.url + "/.well-known/openid-configuration",
            "registration_token": token or platform.registration_token,
        }
    )


def test_dynamic_registration_records_an_inactive_registration(platform):
    LtiRegistration.objects.all().delete()
    platform.tool_registrations.clear()
    response = Client().get(register_url(platform))
    assert response.status_code == 200 and b"lti_registered" in response.content
    assert platform.url in response["Content-Security-Policy"].split("frame-ancestors")[1]
    [sent] = platform.tool_registrations
    assert sent["initiate_login_uri"] == "http://testserver/lti/login/"
    assert sent["jwks_uri"] == "http://testserver/lti/jwks/"
    assert "http://testserver/lti/deep-linking/" in sent["redirect_uris"]
    assert sent[TOOL_CONFIG_CLAIM]["target_link_uri"] == "http://testserver/lti/launch/"
    registration = LtiRegistration.objects.get()
    assert registration.issuer == platform.issuer and registration.client_id == platform.client_id
    assert not registration.is_active
    deployment = LtiDeployment.objects.get(registration=registration)
    assert deployment.deployment_id == platform.deployment_id and not deployment.is_active

    params = platform.login_params(login_hint="h", message_hint="m", target="")
    assert Client().get("/lti/login/", params).status_code == 403  # inactive: unknown

    registration.is_active = True
    registration.save()
    deployment.is_active = True
    deployment.save()
    assert launch(Client(), platform, roles=[LEARNER]).status_code == 200


def test_a_wrong_token_is_refused_with_a_page(platform):
    response = Client().get(register_url(platform, token="wrong"))
    assert response.status_code == 400
    assert b"platform_unreachable" in response.content


def test_a_configuration_url_outside_the_issuer_is_refused(platform):
    response = Client().get(
        "/lti/register/?"
        + urlencode({"openid_configuration": "not a url", "registration_token": "x"})
    )
    assert response.status_code == 400
