"""Signing out of a session that came through an identity provider offers that provider's
single logout next (``mentoring.sso.views.signed_out``).

The receiver runs before Django empties the session, so it reads which provider signed this
session in and leaves the answer on the request, where the account adapter's
``get_logout_redirect_url`` finds it (an attribute, so that accounts need not import this)."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.contrib.auth.signals import user_logged_out
from django.db.models import Q
from django.urls import reverse

# Read by mentoring.accounts.adapter.StaffroomAccountAdapter.get_logout_redirect_url.
SIGNED_OUT_ATTRIBUTE = "staffroom_sso_signed_out_url"


def _provider_of_session(session) -> str | None:
    records = session.get("account_authentication_methods") if session is not None else None
    for record in reversed(records if isinstance(records, list) else []):
        if isinstance(record, dict) and record.get("method") == "socialaccount":
            return record.get("provider")
    return None


def offer_single_logout(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    provider = _provider_of_session(getattr(request, "session", None))
    if not provider:
        return
    app = (
        SocialApp.objects.filter(
            Q(provider_id=provider) | Q(provider=provider, provider_id=""),
            provider__in=["saml", "openid_connect"],
        )
        .order_by("pk")
        .first()
    )
    if app is not None:
        setattr(request, SIGNED_OUT_ATTRIBUTE, f"{reverse('sso_signed_out')}?idp={app.pk}")


def connect() -> None:
    user_logged_out.connect(offer_single_logout, dispatch_uid="sso_offer_single_logout")
