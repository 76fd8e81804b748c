"""The sign-in page's e-mail-first step, the hand-over to the identity provider, linking an
identity to an existing account, and signing out of the identity provider too."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base.constants import AuthProcess
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentoring.sso import selectors
from mentoring.sso.adapter import (
    NONCE_STATE_KEY,
    complete_pending_link,
    pending_link,
    refusal,
)


class EmailForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)


def _safe_next(request: HttpRequest) -> str:
    value = request.POST.get("next") or request.GET.get("next") or ""
    return value if value and get_account_adapter(request).is_safe_url(value) else ""


def _allow_form_action(response: HttpResponse, origins: list[str]) -> HttpResponse:
    """The page's form is answered by a redirect to the identity provider, which the browser
    checks against the page's CSP ``form-action`` (django-csp reads ``_csp_update``)."""
    if origins:
        response._csp_update = {"form-action": ["'self'", *origins]}
    return response


@require_POST
def route(request: HttpRequest) -> HttpResponse:
    """The sign-in page's first step: which way in for this address."""
    form = EmailForm(request.POST)
    next_url = _safe_next(request)
    if not form.is_valid():
        return render(request, "sso/email_first.html", {"form": form, "next": next_url}, status=400)
    email = form.cleaned_data["email"].lower()
    provider = selectors.provider_for_email(email)
    if provider is None:
        query = {"password": "1", "login": email}
        if next_url:
            query["next"] = next_url
        return redirect(f"{reverse('login')}?{urlencode(query)}")
    page = render(
        request,
        "sso/continue.html",
        {"provider": provider, "email": email, "next": next_url},
    )
    return _allow_form_action(page, provider.origins)


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the identity provider (allauth builds the request and stashes its
    state; an OpenID Connect sign-in also carries a nonce kept in that state)."""
    app = SocialApp.objects.filter(
        pk=request.POST.get("app") or 0, provider__in=[selectors.SAML, selectors.OIDC]
    ).first()
    if app is None:
        raise Http404
    provider = app.get_provider(request)
    kwargs: dict = {}
    email = (request.POST.get("email") or "").strip().lower()
    if app.provider == selectors.OIDC:
        nonce = secrets.token_urlsafe(24)
        auth_params = {**provider.get_auth_params(), "nonce": nonce}
        if email:
            auth_params["login_hint"] = email
        kwargs = {"auth_params": auth_params, NONCE_STATE_KEY: nonce}
    return provider.redirect(
        request, AuthProcess.LOGIN, next_url=_safe_next(request) or None, **kwargs
    )


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest) -> HttpResponse:
    """ "Is this your account?" — asked once, before an identity is linked to an account whose
    verified address the identity provider asserted."""
    found = pending_link(request)
    if found is None:
        return render(request, "sso/link_expired.html", status=410)
    if request.method == "POST":
        response = complete_pending_link(request)
        if response is None:
            return render(request, "sso/link_expired.html", status=410)
        return response
    user, _, _ = found
    return render(request, "sso/link.html", {"account": user})


@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    """After signing out of Staffroom: offer the identity provider's single logout."""
    app = SocialApp.objects.filter(
        pk=request.GET.get("idp") or 0, provider__in=[selectors.SAML, selectors.OIDC]
    ).first()
    available = selectors.single_logout_available(app) if app is not None else False
    page = render(request, "sso/signed_out.html", {"app": app, "single_logout": available})
    if available:
        _allow_form_action(page, selectors.IdentityProvider(app, app.name, ()).origins)
    return page


@require_POST
def single_logout(request: HttpRequest, app_id: int) -> HttpResponse:
    """Sign out at the identity provider too (SAML ``LogoutRequest``, or OpenID Connect's
    ``end_session_endpoint``), back to Staffroom's home page after."""
    app = SocialApp.objects.filter(pk=app_id, provider__in=[selectors.SAML, selectors.OIDC]).first()
    if app is None:
        raise Http404
    url = selectors.single_logout_url(request, app)
    if not url:
        raise Http404
    return HttpResponseRedirect(url)


def _off_site(request: HttpRequest, relay_state: str) -> bool:
    """A RelayState that names a place (an address or a path) outside Staffroom."""
    parts = urlsplit(relay_state)
    names_a_place = parts.scheme or parts.netloc or relay_state.startswith(("/", "\\"))
    return bool(names_a_place) and not get_account_adapter(request).is_safe_url(relay_state)


@csrf_exempt
@require_POST
def saml_acs(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's Assertion Consumer Service, after refusing a RelayState that would send the
    browser off-site (allauth would only ignore it)."""
    from allauth.socialaccount.providers.saml.views import acs

    relay_state = request.POST.get("RelayState", "")
    if relay_state and _off_site(request, relay_state):
        return refusal(
            request,
            "relay_state_off_site",
            provider=organization_slug,
            detail=f"RelayState={relay_state[:200]!r}",
        )
    return acs(request, organization_slug=organization_slug)


@require_GET
def saml_finish_acs(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's second half of the ACS; a response that answers no sign-in this browser has
    waiting (replayed, or already used) is refused with a page of ours."""
    from allauth.socialaccount.providers.saml.views import finish_acs

    try:
        return finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        return refusal(request, "replayed", provider=organization_slug)
