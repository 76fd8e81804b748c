"""Staff add identity providers in /django-admin/ (allauth's social applications), checked for
what Staffroom needs: the domains each serves, its issuer or its SAML metadata."""

from __future__ import annotations

import json

import pytest
from allauth.socialaccount.models import SocialApp
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = "/django-admin/socialaccount/socialapp/add/"


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _add(client, provider: str, settings: dict, **fields):
    data = {
        "provider": provider,
        "provider_id": "edgehill",
        "name": "Edge Hill University",
        "client_id": "edgehill",
        "secret": "",
        "key": "",
        "settings": json.dumps(settings),
        **fields,
    }
    return client.post(ADD, data)


SAML_SETTINGS = {
    "domains": ["EdgeHill.ac.uk"],
    "idp": {
        "entity_id": "https://idp.edgehill.ac.uk/idp/shibboleth",
        "metadata_url": "https://idp.edgehill.ac.uk/idp/shibboleth",
    },
}


def test_staff_add_a_saml_identity_provider(admin_client):
    assert admin_client.get(ADD).status_code == 200
    response = _add(admin_client, "saml", SAML_SETTINGS)
    assert response.status_code == 302, response.content[:3000]
    app = SocialApp.objects.get()
    assert app.settings["domains"] == ["edgehill.ac.uk"]


def test_staff_add_an_openid_connect_provider(admin_client):
    settings = {"server_url": "https://accounts.google.com", "domains": ["oakfield.sch.uk"]}
    response = _add(admin_client, "openid_connect", settings, secret="s3cret")
    assert response.status_code == 302
    assert SocialApp.objects.get().provider == "openid_connect"


@pytest.mark.parametrize(
    ("provider", "settings", "says"),
    [
        ("saml", {**SAML_SETTINGS, "domains": []}, "List the e-mail domains"),
        ("saml", {**SAML_SETTINGS, "domains": ["not a domain"]}, "Not an e-mail domain"),
        ("saml", {"domains": ["edgehill.ac.uk"]}, "Give the IdP"),
        ("openid_connect", {"domains": ["oakfield.sch.uk"]}, "Give the issuer"),
    ],
)
def test_an_identity_provider_without_what_it_needs_is_refused(
    admin_client, provider, settings, says
):
    response = _add(admin_client, provider, settings)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not SocialApp.objects.exists()


def test_the_sign_in_policy_has_the_single_sign_on_rules(admin_client):
    page = admin_client.get("/django-admin/mentoring/signinpolicy/add/")
    assert b"require_sso_for_staff_and_tutors" in page.content
    assert b"sso_counts_as_two_factor" in page.content
