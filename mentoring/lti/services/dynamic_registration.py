"""LTI Dynamic Registration (IMS LTI Dynamic Registration 1.0): a platform administrator pastes
``dynamic_registration_url`` into Moodle 4.x or Canvas; the platform opens it with its
``openid_configuration`` URL and a one-time ``registration_token``; the tool reads the
platform's configuration, sends its own and records the registration the platform answers.

The registration is recorded **inactive** (its deployment too): anyone can run a platform, so a
site administrator activates it in ``/django-admin/`` before any launch from it is accepted
(otherwise a stranger's platform could sign people in, or claim their e-mail addresses).

Plain JSON over HTTPS with a bearer token (no JWT is involved). django-lti-dynamic-registration
was not used: it registers platforms active, prints the platform's errors to stdout and answers
with an inline script the site's CSP blocks."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from lti_tool.models import LtiDeployment, LtiRegistration

from mentoring.core.errors import Invalid
from mentoring.lti.selectors import SCOPES, tool_configuration
from mentoring.lti.services.keys import ensure_key

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TIMEOUT = 10
REQUIRED = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
)


@dataclass
class Registered:
    registration: LtiRegistration
    deployment_id: str
    platform_origin: str


def _url(value: str, what: str) -> str:
    try:
        URLValidator(schemes=["https", "http"])(value or "")
    except ValidationError as error:
        raise Invalid("invalid", f"The {what} is not an http(s) URL.") from error
    return value


def tool_registration_request() -> dict:
    """What the tool asks the platform to register (an OpenID client with LTI's extension)."""
    config = tool_configuration()
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": config["login_url"],
        "redirect_uris": config["redirect_uris"],
        "client_name": config["title"],
        "jwks_uri": config["jwks_url"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIGURATION: {
            "domain": config["domain"],
            "description": config["description"],
            "target_link_uri": config["launch_url"],
            "claims": config["claims"],
            "messages": [
                {"type": "LtiResourceLinkRequest"},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": config["deep_linking_url"],
                    "placements": ["ContentArea"],
                },
            ],
        },
    }


def register(*, openid_configuration: str, registration_token: str) -> Registered:
    """Run the exchange; ``Invalid`` (with the reason) if any step fails."""
    _url(openid_configuration, "openid_configuration")
    if not registration_token:
        raise Invalid("invalid", "The registration token is missing.")
    auth = {"Authorization": f"Bearer {registration_token}"}
    try:
        response = requests.get(openid_configuration, headers=auth, timeout=TIMEOUT)
        response.raise_for_status()
        platform = response.json()
    except (requests.RequestException, ValueError) as error:
        raise Invalid("platform_unreachable", f"The platform's configuration: {error}") from error
    if not isinstance(platform, dict) or any(not platform.get(key) for key in REQUIRED):
        raise Invalid("platform_configuration", "The platform's configuration is incomplete.")
    if not openid_configuration.startswith(platform["issuer"]):
        raise Invalid(
            "platform_configuration", "The configuration URL is not under the platform's issuer."
        )
    for key in REQUIRED[1:]:
        _url(platform[key], key)
    try:
        response = requests.post(
            platform["registration_endpoint"],
            json=tool_registration_request(),
            headers=auth,
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        raise Invalid("registration_refused", f"The platform refused: {error}") from error
    client_id = answer.get("client_id") if isinstance(answer, dict) else None
    if not isinstance(client_id, str) or not client_id:
        raise Invalid("registration_refused", "The platform answered no client id.")
    tool_part = answer.get(TOOL_CONFIGURATION) or {}
    deployment_id = str(tool_part.get("deployment_id") or "") if isinstance(tool_part, dict) else ""
    product = (platform.get(PLATFORM_CONFIGURATION) or {}).get("product_family_code", "")
    return _record(
        platform=platform,
        client_id=client_id,
        deployment_id=deployment_id,
        name=f"{product or 'Platform'} {platform['issuer']}"[:255],
    )


@transaction.atomic
def _record(*, platform: dict, client_id: str, deployment_id: str, name: str) -> Registered:
    registration = LtiRegistration.objects.filter(
        issuer=platform["issuer"], client_id=client_id
    ).first()
    if registration is None:
        registration = LtiRegistration.objects.create(
            name=name,
            issuer=platform["issuer"],
            client_id=client_id,
            auth_url=platform["authorization_endpoint"],
            token_url=platform["token_endpoint"],
            keyset_url=platform["jwks_uri"],
            is_active=False,  # until a site administrator activates it
        )
    if deployment_id:
        LtiDeployment.objects.get_or_create(
            registration=registration, deployment_id=deployment_id[:255]
        )
    ensure_key()
    parts = platform["issuer"].split("/")
    return Registered(registration, deployment_id, "/".join(parts[:3]))
