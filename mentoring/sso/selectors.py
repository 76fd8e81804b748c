"""The identity providers staff configured, and which one serves an e-mail address."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialApp
from django.urls import reverse

# allauth's provider ids for the two protocols.
SAML = "saml"
OIDC = "openid_connect"


@dataclass(frozen=True)
class IdentityProvider:
    app: SocialApp
    label: str
    domains: tuple[str, ...]

    @property
    def login_url(self) -> str:
        """allauth's view that starts the sign-in (POST, with the CSRF token)."""
        if self.app.provider == SAML:
            return reverse("saml_login", args=[self.app.client_id])
        return reverse("openid_connect_login", args=[self.app.provider_id])

    @property
    def origins(self) -> list[str]:
        """Where the browser is sent to sign in (for the page's CSP ``form-action``)."""
        settings = self.app.settings or {}
        urls = [settings.get("server_url", "")]
        idp = settings.get("idp") or {}
        urls += [idp.get("sso_url", ""), idp.get("metadata_url", "")]
        origins = []
        for url in urls:
            parts = urlsplit(url or "")
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.append(f"{parts.scheme}://{parts.netloc}")
        return list(dict.fromkeys(origins))


def _domains(app: SocialApp) -> tuple[str, ...]:
    raw = (app.settings or {}).get("domains") or []
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    return tuple(str(d).strip().lower().lstrip("@") for d in raw if str(d).strip())


def identity_providers() -> list[IdentityProvider]:
    """Every SAML and OpenID Connect application, in the order staff named them."""
    apps = SocialApp.objects.filter(provider__in=[SAML, OIDC]).order_by("name", "pk")
    return [
        IdentityProvider(
            app=app,
            label=(app.settings or {}).get("button_label") or app.name,
            domains=_domains(app),
        )
        for app in apps
    ]


def any_identity_provider() -> bool:
    return SocialApp.objects.filter(provider__in=[SAML, OIDC]).exists()


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def provider_for_email(email: str) -> IdentityProvider | None:
    """The identity provider that serves this address's domain (or a parent domain of it:
    ``pupils.school.example`` is served by one listing ``school.example``)."""
    domain = domain_of(email)
    if not domain:
        return None
    for provider in identity_providers():
        for served in provider.domains:
            if domain == served or domain.endswith("." + served):
                return provider
    return None


def provider_serving(app: SocialApp, email: str) -> bool:
    """Whether ``app`` is configured for this address's domain (the e-mail it may vouch for)."""
    domain = domain_of(email)
    return any(domain == d or domain.endswith("." + d) for d in _domains(app))


def single_logout_available(app: SocialApp) -> bool:
    settings = app.settings or {}
    if app.provider == SAML:
        idp = settings.get("idp") or {}
        return bool(idp.get("slo_url") or idp.get("metadata_url"))
    return app.provider == OIDC


def single_logout_url(request, app: SocialApp) -> str | None:
    """Where to send the browser to sign out at the identity provider, if it has a single
    logout: python3-saml's ``LogoutRequest``, or the OpenID provider's end-session endpoint."""
    from django.urls import reverse

    home = request.build_absolute_uri(reverse("login"))
    provider = app.get_provider(request)
    if app.provider == SAML:
        from allauth.socialaccount.providers.saml.utils import build_auth

        auth = build_auth(request, provider)
        if not auth.get_slo_url():
            return None
        return auth.logout(return_to=home)
    from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter

    config = OpenIDConnectOAuth2Adapter(request, app.provider_id).openid_config
    endpoint = config.get("end_session_endpoint")
    if not endpoint:
        return None
    from urllib.parse import urlencode

    query = urlencode({"client_id": app.client_id, "post_logout_redirect_uri": home})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
