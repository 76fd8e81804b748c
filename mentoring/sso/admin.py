"""allauth's social application admin, where staff add identity providers, checking what
Staffroom needs of one: the e-mail domains it serves, and where its metadata or issuer is."""

from __future__ import annotations

import re

from allauth.socialaccount.admin import SocialAppAdmin, SocialAppForm
from allauth.socialaccount.models import SocialApp
from django import forms
from django.contrib import admin

from mentoring.sso import selectors

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
HELP = (
    'JSON. Always "domains": the e-mail domains this identity provider serves, e.g. '
    '["edgehill.ac.uk"]. OpenID Connect: "server_url" (the issuer). SAML: "idp" with '
    '"entity_id" and "metadata_url" (or "sso_url" and "x509cert"), and "attribute_mapping". '
    "See docs/sso.md."
)


class IdentityProviderForm(SocialAppForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "settings" in self.fields:
            self.fields["settings"].help_text = HELP
        self.fields["name"].help_text = 'The button label: "Continue with <name>".'

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("provider")
        if provider not in (selectors.SAML, selectors.OIDC):
            return cleaned
        settings = cleaned.get("settings") or {}
        if not isinstance(settings, dict):
            raise forms.ValidationError({"settings": "Settings must be a JSON object."})
        domains = settings.get("domains")
        if not isinstance(domains, list) or not domains:
            raise forms.ValidationError(
                {"settings": 'List the e-mail domains it serves: "domains": ["uni.example"].'}
            )
        bad = [d for d in domains if not isinstance(d, str) or not DOMAIN.match(d.lower())]
        if bad:
            raise forms.ValidationError({"settings": f"Not an e-mail domain: {bad[0]!r}."})
        settings["domains"] = [d.lower() for d in domains]
        if provider == selectors.OIDC and not settings.get("server_url"):
            raise forms.ValidationError({"settings": 'Give the issuer: "server_url".'})
        if provider == selectors.SAML:
            idp = settings.get("idp")
            if not isinstance(idp, dict) or not idp.get("entity_id"):
                raise forms.ValidationError(
                    {"settings": 'Give the IdP: "idp": {"entity_id": …, "metadata_url": …}.'}
                )
            if not idp.get("metadata_url") and not (idp.get("sso_url") and idp.get("x509cert")):
                raise forms.ValidationError(
                    {"settings": 'The IdP needs "metadata_url", or "sso_url" and "x509cert".'}
                )
        cleaned["settings"] = settings
        return cleaned


class IdentityProviderAdmin(SocialAppAdmin):
    form = IdentityProviderForm
    list_display = ("name", "provider", "provider_id", "client_id")


def register() -> None:
    if admin.site.is_registered(SocialApp):
        admin.site.unregister(SocialApp)
    admin.site.register(SocialApp, IdentityProviderAdmin)
