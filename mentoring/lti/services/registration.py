"""Registering a platform (Moodle, Canvas…) by hand: what ``lti_register_platform`` and the
admin do. The same issuer and client id always make the same registration."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from lti_tool.models import LtiDeployment, LtiRegistration

from mentoring.core.errors import Invalid
from mentoring.lti.services.keys import ensure_key


def _url(value: str, field: str) -> str:
    value = (value or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(value)
    except ValidationError as error:
        raise Invalid("invalid", f"{field} must be an http(s) URL.", field=field) from error
    return value


@transaction.atomic
def register_platform(
    *,
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    auth_url: str,
    token_url: str,
    jwks_url: str,
    name: str = "",
    audience: str = "",
) -> LtiRegistration:
    """Create or update the registration for (``issuer``, ``client_id``) and make each
    deployment id known and active on it."""
    issuer = (issuer or "").strip()
    client_id = (client_id or "").strip()
    if not issuer:
        raise Invalid("invalid", "The platform's issuer is required.", field="issuer")
    if not client_id:
        raise Invalid("invalid", "The client id is required.", field="client_id")
    deployment_ids = [d.strip() for d in deployment_ids if d and d.strip()]
    if not deployment_ids:
        raise Invalid("invalid", "At least one deployment id is required.", field="deployment_id")
    fields = {
        "auth_url": _url(auth_url, "auth_url"),
        "token_url": _url(token_url, "token_url"),
        "keyset_url": _url(jwks_url, "jwks_url"),
        "is_active": True,
    }
    if audience:
        fields["audience"] = audience
    registration = (
        LtiRegistration.objects.select_for_update()
        .filter(issuer=issuer, client_id=client_id)
        .first()
    )
    if registration is None:
        registration = LtiRegistration.objects.create(
            issuer=issuer, client_id=client_id, name=name or issuer, **fields
        )
    else:
        for field, value in fields.items():
            setattr(registration, field, value)
        if name:
            registration.name = name
        registration.save()
    for deployment_id in deployment_ids:
        LtiDeployment.objects.update_or_create(
            registration=registration, deployment_id=deployment_id, defaults={"is_active": True}
        )
    ensure_key()
    return registration
