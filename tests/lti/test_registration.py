"""Registering platforms, the tool's configuration, its key set and key rotation."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from lti_tool.models import Key, LtiDeployment, LtiRegistration

from mentoring.lti.services.keys import rotate_keys

pytestmark = pytest.mark.django_db

REGISTER = [
    "--issuer",
    "https://vle.uni.example",
    "--client-id",
    "abc123",
    "--auth-url",
    "https://vle.uni.example/auth",
    "--token-url",
    "https://vle.uni.example/token",
    "--jwks-url",
    "https://vle.uni.example/jwks",
]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_tool_config_prints_absolute_urls(settings):
    settings.LTI_TOOL_BASE_URL = "https://staffroom.uni.example"
    config = json.loads(run("lti_tool_config"))
    for key in ("login_url", "launch_url", "jwks_url", "deep_linking_url"):
        assert config[key].startswith("https://staffroom.uni.example/lti/")
    assert config["dynamic_registration_url"].startswith("https://staffroom.uni.example/")
    assert config["launch_url"] in config["redirect_uris"]
    assert config["deep_linking_url"] in config["redirect_uris"]


def test_register_platform_is_idempotent_and_adds_deployments():
    first = run("lti_register_platform", *REGISTER, "--deployment-id", "1")
    registration_id = first.strip().splitlines()[-1]
    again = run("lti_register_platform", *REGISTER, "--deployment-id", "2")
    assert again.strip().splitlines()[-1] == registration_id
    registration = LtiRegistration.objects.get(pk=int(registration_id))
    assert LtiRegistration.objects.count() == 1
    assert set(registration.deployments.values_list("deployment_id", flat=True)) == {"1", "2"}
    assert all(d.is_active for d in LtiDeployment.objects.all())
    assert Key.objects.active().count() == 1  # the tool has a key to sign with


def test_register_platform_refuses_bad_urls():
    bad = [*REGISTER]
    bad[bad.index("--auth-url") + 1] = "not a url"
    with pytest.raises(CommandError):
        run("lti_register_platform", *bad, "--deployment-id", "1")
    assert not LtiRegistration.objects.exists()


def test_key_set_is_public_json():
    run("lti_register_platform", *REGISTER, "--deployment-id", "1")
    response = Client().get("/lti/jwks/")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]


def test_rotation_keeps_the_old_key_published_for_the_overlap():
    start = timezone.now()
    first = Key.objects.generate()
    first.datetime_created = start - timedelta(days=30)
    first.save()
    second = rotate_keys(now=start, overlap=timedelta(days=7)).created
    kids = {k["kid"] for k in Client().get("/lti/jwks/").json()["keys"]}
    assert kids == {str(first), str(second)}  # in flight: both verify
    third = rotate_keys(now=start + timedelta(days=3), overlap=timedelta(days=7)).created
    kids = {k["kid"] for k in Client().get("/lti/jwks/").json()["keys"]}
    assert kids == {str(first), str(second), str(third)}
    rotation = rotate_keys(now=start + timedelta(days=8), overlap=timedelta(days=7))
    kids = {k["kid"] for k in Client().get("/lti/jwks/").json()["keys"]}
    assert str(first) not in kids and str(second) in kids and str(third) in kids
    assert rotation.retired == [str(first)]
    assert LtiRegistration  # the newest key signs: django-lti takes the latest active
    assert Key.objects.active().latest() == rotation.created


def test_rotate_keys_command():
    out = run("lti_rotate_keys")
    assert out.startswith("New key: ")
    assert Key.objects.active().count() == 1
