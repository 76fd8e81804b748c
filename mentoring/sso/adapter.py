"""How django-allauth's single sign-on behaves in Staffroom (``SOCIALACCOUNT_ADAPTER``).

allauth and python3-saml check the protocol: signatures, audience, validity windows, the
``InResponseTo`` of a SAML response and the ``state`` of an OpenID Connect one, the ``id_token``'s
issuer and audience. What allauth leaves to the site is checked here, before anything is
written:

* an OpenID Connect ``id_token`` must carry the ``nonce`` this sign-in sent (allauth sends none
  of its own; ``mentoring.sso.views.start`` does, and keeps it in allauth's stashed state);
* the e-mail address must be one the identity provider vouches for: in a domain staff listed
  for that provider, and (OpenID Connect) marked ``email_verified`` unless staff trust the
  provider's addresses outright (``"verified_email": true``);
* a first sign-in makes an account only for someone admitted (``services.admission``);
* an identity whose verified address belongs to an existing account is linked to it only once
  that person confirms (``views.link``), never silently.

Every refusal is a page that says why (status 400 or 403), is logged, and writes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from mentoring.core.addresses import client_address
from mentoring.models import User
from mentoring.realtime import events
from mentoring.sso import selectors
from mentoring.sso.services.admission import admission_for, admit

logger = logging.getLogger("mentoring.sso")

PENDING_LINK_SESSION_KEY = "staffroom_sso_pending_link"
NONCE_STATE_KEY = "staffroom_nonce"

REASONS = {
    "not_admitted": (
        403,
        "Staffroom has no account for this address, and no invitation or course lets it make "
        "one. Accounts come with an invitation from your course: ask your tutor to invite the "
        "address your organisation signs you in with.",
    ),
    "email_not_vouched": (
        403,
        "Your organisation's sign-in did not vouch for your e-mail address (it is not verified, "
        "or not in a domain this sign-in serves), so Staffroom cannot tell whose account this "
        "is. Nothing was created.",
    ),
    "no_email": (
        403,
        "Your organisation's sign-in did not tell Staffroom your e-mail address. Ask its "
        "administrators to release the e-mail attribute to Staffroom.",
    ),
    "nonce_mismatch": (
        400,
        "This sign-in's reply does not belong to the sign-in this browser started (its nonce "
        "does not match). Start again from the sign-in page.",
    ),
    "unverified_account_address": (
        403,
        "An account with this e-mail address exists, but its address was never confirmed, so "
        "it cannot be linked to your organisation's sign-in. Sign in with your password, or ask "
        "staff for help.",
    ),
    "relay_state_off_site": (
        400,
        "This sign-in reply asked to send you to another site afterwards, which Staffroom "
        "does not do. You are not signed in; start again from the sign-in page.",
    ),
    "replayed": (
        400,
        "This sign-in reply has already been used, or answers no sign-in started in this "
        "browser. You are not signed in; start again from the sign-in page.",
    ),
    "authentication_failed": (
        400,
        "Your organisation's sign-in sent a reply Staffroom cannot accept, so you are not signed "
        "in and nothing was changed. Start again from the sign-in page; if it happens again, "
        "tell your organisation's IT support.",
    ),
}


def refusal(request: HttpRequest, code: str, *, provider: str = "", detail: str = "") -> Any:
    status, message = REASONS[code]
    logger.warning(
        "single sign-on refused: code=%s provider=%s address=%s %s",
        code,
        provider,
        client_address(request),
        detail,
    )
    return render(
        request,
        "sso/refused.html",
        {"code": code, "message": message, "provider_name": provider},
        status=status,
    )


def refuse(request: HttpRequest, code: str, **kwargs: Any) -> None:
    raise ImmediateHttpResponse(refusal(request, code, **kwargs))


def asserted_address(sociallogin: SocialLogin) -> EmailAddress | None:
    """The address the identity provider asserted (its primary one first)."""
    addresses = sorted(sociallogin.email_addresses, key=lambda a: not a.primary)
    return addresses[0] if addresses else None


def vouched(sociallogin: SocialLogin, address: EmailAddress) -> bool:
    app = sociallogin.provider.app
    if not selectors.provider_serving(app, address.email):
        return False
    if app.provider == selectors.SAML:
        return True
    return bool(address.verified) or (app.settings or {}).get("verified_email") is True


def _id_token(sociallogin: SocialLogin) -> dict:
    extra = sociallogin.account.extra_data or {}
    token = extra.get("id_token") if isinstance(extra, dict) else None
    return token if isinstance(token, dict) else {}


def _asserted_names(sociallogin: SocialLogin) -> dict[str, str]:
    return getattr(sociallogin, "_staffroom_names", None) or {}


class StaffroomSocialAccountAdapter(DefaultSocialAccountAdapter):
    def on_authentication_error(
        self,
        request: HttpRequest,
        provider,
        error=None,
        exception=None,
        extra_context=None,
    ) -> None:
        """allauth or python3-saml refused the reply: say so with a page of ours (400)."""
        extra_context = extra_context or {}
        detail = (
            f"error={error} exception={exception!r} "
            f"saml={extra_context.get('saml_errors')} {extra_context.get('saml_last_error_reason')}"
        )
        refuse(
            request,
            "authentication_failed",
            provider=getattr(provider, "name", "") or "",
            detail=detail,
        )

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data):
        user = super().populate_user(request, sociallogin, data)
        # Kept apart: allauth replaces ``sociallogin.user`` by the account it finds.
        name = " ".join(str(data.get("name") or "").split())
        if not name:
            name = " ".join(f"{data.get('first_name') or ''} {data.get('last_name') or ''}".split())
        sociallogin._staffroom_names = {
            "display_name": name[:150],
            "first_name": str(data.get("first_name") or "")[:150],
            "last_name": str(data.get("last_name") or "")[:150],
        }
        user.display_name = name[:150]
        return user

    def is_email_verified(self, provider, email) -> bool:
        """A SAML IdP vouches for the addresses of the domains staff listed for it."""
        verified = (provider.app.settings or {}).get("verified_email")
        if verified is None and provider.app.provider == selectors.SAML:
            return selectors.provider_serving(provider.app, email)
        return super().is_email_verified(provider, email)

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider_name = sociallogin.provider.app.name
        if sociallogin.provider.app.provider == selectors.OIDC:
            expected = sociallogin.state.get(NONCE_STATE_KEY)
            if not expected or _id_token(sociallogin).get("nonce") != expected:
                refuse(request, "nonce_mismatch", provider=provider_name)
        address = asserted_address(sociallogin)
        if address is None or not address.email:
            refuse(request, "no_email", provider=provider_name)
        if not vouched(sociallogin, address):
            refuse(
                request,
                "email_not_vouched",
                provider=provider_name,
                detail=f"email domain={selectors.domain_of(address.email)}",
            )
        if sociallogin.is_existing:
            user = sociallogin.user
            if not user.is_active:
                # Turned away below by allauth (account_inactive); whatever they still hold
                # open closes now.
                events.user_deactivated(user_id=user.pk)
                return
            self._refresh(user, sociallogin, address.email)
            return
        existing = (
            User.objects.annotate(e=Lower("email")).filter(e=address.email.lower()).first()
            or User.objects.filter(emailaddress__email__iexact=address.email).first()
        )
        if existing is not None:
            if not EmailAddress.objects.filter(
                user=existing, email__iexact=address.email, verified=True
            ).exists():
                refuse(request, "unverified_account_address", provider=provider_name)
            request.session[PENDING_LINK_SESSION_KEY] = {
                "user_id": existing.pk,
                "sociallogin": sociallogin.serialize(),
                "names": _asserted_names(sociallogin),
            }
            raise ImmediateHttpResponse(redirect("sso_link"))
        if not admission_for(address.email).allowed:
            refuse(
                request,
                "not_admitted",
                provider=provider_name,
                detail=f"email domain={selectors.domain_of(address.email)}",
            )

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """Only the admitted reach sign-up (``pre_social_login``); check again all the same."""
        address = asserted_address(sociallogin)
        return address is not None and admission_for(address.email).allowed

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return True

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None):
        """The new account, with the IdP's address as its verified primary one, enrolled where
        its invitations and join links say."""
        address = asserted_address(sociallogin)
        assert address is not None  # nosec: pre_social_login refused it
        email = address.email.lower()
        user = sociallogin.user
        user.email = email
        address.email, address.verified, address.primary = email, True, True
        sociallogin.email_addresses = [address]
        user = super().save_user(request, sociallogin, form)
        admission = admission_for(email)
        if not user.display_name and admission.invitations:
            user.display_name = admission.invitations[0].invitee_name[:150]
            user.save(update_fields=["display_name"])
        admit(user=user, admission=admission)
        cohort = admission.first_cohort
        if cohort is not None and not sociallogin.state.get("next"):
            # Where an accepted invitation lands (mentoring.invitations): their cohort.
            sociallogin.state["next"] = reverse("cohort_home", args=[cohort.pk])
        logger.info("single sign-on: account %s made for an admitted address", user.pk)
        return user

    def _refresh(self, user: User, sociallogin: SocialLogin, email: str) -> None:
        """The IdP's attributes keep the name and the address up to date."""
        names = _asserted_names(sociallogin)
        changed = []
        for field in ("display_name", "first_name", "last_name"):
            value = names.get(field, "")
            if value and getattr(user, field) != value:
                setattr(user, field, value)
                changed.append(field)
        email = email.lower()
        if user.email.lower() != email:
            taken = (
                User.objects.annotate(e=Lower("email")).filter(e=email).exclude(pk=user.pk).exists()
                or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists()
            )
            if taken:
                logger.warning(
                    "single sign-on: user %s's new address is another account's; kept", user.pk
                )
            else:
                EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
                EmailAddress.objects.update_or_create(
                    user=user, email=email, defaults={"verified": True, "primary": True}
                )
                user.email = email
                changed.append("email")
        if changed:
            user.save(update_fields=changed)


def pending_link(request: HttpRequest) -> tuple[User, dict, dict] | None:
    data = request.session.get(PENDING_LINK_SESSION_KEY)
    if not isinstance(data, dict):
        return None
    user = User.objects.filter(pk=data.get("user_id"), is_active=True).first()
    if user is None:
        return None
    return user, data["sociallogin"], data.get("names") or {}


def complete_pending_link(request: HttpRequest) -> HttpResponse | None:
    """The person confirmed: connect the identity to their account, then sign in with it."""
    from allauth.socialaccount.helpers import complete_social_login

    found = pending_link(request)
    request.session.pop(PENDING_LINK_SESSION_KEY, None)
    if found is None:
        return None
    user, data, names = found
    linking = SocialLogin.deserialize(data)
    linking.user = user
    linking.account.user = user
    linking.account.save()
    logger.info("single sign-on: identity linked to account %s after confirmation", user.pk)
    login = SocialLogin.deserialize(data)
    login._staffroom_names = names
    return complete_social_login(request, login)
