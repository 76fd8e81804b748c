"""How django-allauth behaves in Staffroom.

Nobody signs up on their own: accounts come from an invitation or a cohort's join link, whose
pages create them (see ``mentoring.invitations``). The wrong-password message keeps the wording
people know from the previous sign-in page. Every password allauth checks (sign-in,
re-authentication) and every two-factor code passes the locks of
``mentoring.accounts.services.throttle`` first, and the last try before a lock says so.

allauth's e-mails name the site and link to it like every other Staffroom e-mail: the name is
``WAGTAIL_SITE_NAME`` and the address ``WAGTAILADMIN_BASE_URL``. Without django.contrib.sites,
allauth would take both from the request's host ("Hello from 127.0.0.1:8610!"), and a forged
Host header would reach the links of a password-reset e-mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm, ResetPasswordForm
from allauth.account.models import EmailAddress
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.stages import AuthenticateStage
from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from mentoring.accounts.selectors.policy import (
    identity_provider_of_session,
    password_refused,
    sso_counts_as_two_factor,
)
from mentoring.accounts.services import throttle
from mentoring.accounts.services.mail import queue_mail
from mentoring.core.addresses import client_address
from mentoring.models import OutgoingMail, User

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from allauth.account.models import EmailConfirmation

WRONG_CREDENTIALS = (
    "Please enter a correct username and password (or e-mail address and password). "
    "Both may be case-sensitive."
)


RESET_TEMPLATE = "account/email/password_reset_key"
# Context entries of allauth e-mails that open something and that the worker cannot make again.
UNREBUILDABLE_SECRETS = ("key", "code", "activate_url", "password_reset_url")


def locked_message(wait: int) -> str:
    return (
        f"Too many failed attempts from here or for this account. Try again in "
        f"{throttle.human_wait(wait)}, or reset your password."
    )


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's templates read from a Site (``current_site.name``, ``.domain``)."""

    name: str
    domain: str
    url: str


def site_identity() -> SiteIdentity:
    url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return SiteIdentity(name=settings.WAGTAIL_SITE_NAME, domain=urlsplit(url).netloc, url=url)


def absolute(path: str) -> str:
    return site_identity().url + path


class StaffroomAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": WRONG_CREDENTIALS,
        "email_password_mismatch": WRONG_CREDENTIALS,
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's own rate limits (password-reset mails, ...) key on the same client address
        as ours: only what trusted proxies added counts (``mentoring.core.addresses``)."""
        return client_address(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Refuse a locked attempt before its password is hashed (the sign-in page's own POST
        is refused earlier still, with 429, by ``LoginThrottleMiddleware``)."""
        super().pre_authenticate(request, **credentials)
        identifier = credentials.get("username") or credentials.get("email")
        wait = throttle.retry_after(throttle.attempt(request, identifier))
        if wait:
            raise forms.ValidationError(locked_message(wait), code="too_many_login_attempts")

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        """The sign-in policy may require single sign-on of staff and tutors: any other way in
        (a password, a code by e-mail) is refused for them, with a page that says where to go."""
        signal_kwargs = kwargs.get("signal_kwargs") or {}
        if "sociallogin" not in signal_kwargs and password_refused(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            logger.warning(
                "password sign-in refused by the single sign-on policy: user %s", user.pk
            )
            return render(request, "sso/password_refused.html", status=403)
        return super().pre_login(request, user, **kwargs)

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        """Signing out of a session an identity provider signed in leads to a page that offers
        that provider's single logout (mentoring.sso); asked before the session ends."""
        app_id = identity_provider_of_session(getattr(request, "session", None))
        if app_id is not None:
            return f"{reverse('sso_signed_out')}?idp={app_id}"
        return super().get_logout_redirect_url(request)

    def get_login_stages(self) -> list[str]:
        """allauth's stages, with its two-factor step skipped after a sign-in through an
        identity provider when the policy leaves the second factor to the provider."""
        return [
            "mentoring.accounts.adapter.PolicyAuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render the e-mail here; the worker sends it (``mentoring.accounts.services.mail``).

        A password reset then costs its request the same as the "no account for this address"
        e-mail: no SMTP conversation inside either. The reset link is not stored: the body
        carries a placeholder and the worker makes the link when it sends. E-mails with a secret
        the worker could not rebuild (confirmation links, codes) are still sent here.
        """
        site = site_identity()
        context = {
            **context,
            "current_site": site,
            "site_url": site.url,
            # Where to ask for a password reset, for "if this wasn't you".
            "reset_request_url": absolute(reverse("account_reset_password")),
        }
        link, user = OutgoingMail.Link.NONE, None
        if template_prefix == RESET_TEMPLATE:
            link, user = OutgoingMail.Link.PASSWORD_RESET, context["user"]
            context = {
                **context,
                "password_reset_url": OutgoingMail.LINK_PLACEHOLDER,
                "key": "",
                "uid": "",
            }
        elif any(name in context for name in UNREBUILDABLE_SECRETS):
            super().send_mail(template_prefix, email, context)
            return
        message = self.render_mail(
            template_prefix, email, {"request": self.request, "email": email, **context}
        )
        queue_mail(message, link=link, user=user)

    def get_email_confirmation_url(
        self, request: HttpRequest, emailconfirmation: EmailConfirmation
    ) -> str:
        return absolute(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth's own path, with "UID-KEY" standing for the opaque key (its flows do the same).
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute(path.replace("UID-KEY", quote(key)))


class PolicyAuthenticateStage(AuthenticateStage):
    """allauth's "enter your authenticator code" step, which a sign-in through an identity
    provider skips when the sign-in policy counts the provider's own checks."""

    def _should_handle(self, request: HttpRequest) -> bool:
        signal_kwargs = self.login.signal_kwargs or {}
        if "sociallogin" in signal_kwargs and sso_counts_as_two_factor():
            return False
        return super()._should_handle(request)


def _with_warning(request: HttpRequest | None, error: forms.ValidationError, what: str):
    outcome = getattr(request, throttle.FAILURE_OUTCOME_ATTRIBUTE, None)
    warning = outcome.warning(what) if outcome is not None else None
    if warning is None:
        return error
    return forms.ValidationError([*error.error_list, forms.ValidationError(warning)])


class StaffroomLoginForm(LoginForm):
    """allauth's sign-in form, with a label that says what may be typed, and a warning at the
    last try before the lock."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail address"
        self.fields["password"].help_text = ""
        # The e-mail-first step (mentoring.sso) hands over the address it was given.
        if not self.is_bound and self.request is not None:
            self.initial.setdefault("login", self.request.GET.get("login", "")[:254])

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            raise _with_warning(self.request, error, "wrong password") from None


def users_for_password_reset(email: str) -> list[User]:
    """The active accounts a password reset for ``email`` goes to, in one query whatever the
    answer (allauth's own lookup asks once for a verified address and twice otherwise, so its
    time told whether the address was known). The same choice as allauth's: accounts whose
    address is verified if there are any, else every account with the address, verified or
    not, on its e-mail list or as its user e-mail."""
    email = email.lower()
    verified = EmailAddress.objects.filter(user_id=OuterRef("pk"), email=email, verified=True)
    found = list(
        User.objects.filter(Q(emailaddress__email=email) | Q(email=email), is_active=True)
        .annotate(verified_address=Exists(verified))
        .distinct()
        .order_by("pk")
    )
    if any(user.verified_address for user in found):
        return [user for user in found if user.verified_address]
    return found


class StaffroomResetPasswordForm(ResetPasswordForm):
    """allauth's "forgot password" form, with a lookup that costs the same for every address.

    allauth then sends exactly one e-mail either way (the reset link, or "no account uses this
    address"), which the adapter only queues."""

    def clean_email(self) -> str:
        from allauth.account.adapter import get_adapter

        email = get_adapter().clean_email(self.cleaned_data["email"].lower())
        self.users = users_for_password_reset(email)
        if not self.users and not account_settings.PREVENT_ENUMERATION:
            raise get_adapter().validation_error("unknown_email")
        return self.cleaned_data["email"]

    def save(self, request: HttpRequest, **kwargs: Any) -> str:
        # allauth's token reads (and may write) the account's addresses: the worker makes it
        # when it sends, so the request does not.
        return super().save(request, **{**kwargs, "token_generator": _TokenMadeWhenSent()})


class _TokenMadeWhenSent:
    """Stands in for allauth's token generator in the request; the e-mail's link is made by
    ``mentoring.accounts.services.mail`` with the real one."""

    def make_token(self, user: Any) -> str:
        return "made-when-sent"


class _CodeLock:
    """Wrong two-factor codes lock code entry for the account, like wrong passwords."""

    user: Any

    def clean_code(self) -> str:
        from allauth.core import context

        wait = throttle.retry_after(
            throttle.Attempt(address="", account=throttle.user_account(self.user.pk)),
            throttle.CODE,
        )
        if wait:
            raise forms.ValidationError(
                f"Too many wrong codes. Try again in {throttle.human_wait(wait)}.",
                code="too_many_login_attempts",
            )
        try:
            return super().clean_code()  # type: ignore[misc]
        except forms.ValidationError as error:
            raise _with_warning(context.request, error, "wrong code") from None


class StaffroomAuthenticateForm(_CodeLock, AuthenticateForm):
    pass


class StaffroomReauthenticateForm(_CodeLock, ReauthenticateForm):
    pass
