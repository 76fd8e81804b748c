"""How django-allauth behaves in Staffroom.

Nobody signs up on their own: accounts come from an invitation or a cohort's join link, whose
pages create them (see ``mentoring.invitations``). The wrong-password message keeps the wording
people know from the previous sign-in page. Every password allauth checks (sign-in,
re-authentication) and every two-factor code passes the locks of ``mentoring.accounts.throttle``
first, and the last try before a lock says so.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.http import HttpRequest

from mentoring.accounts import throttle
from mentoring.core.addresses import client_address

WRONG_CREDENTIALS = (
    "Please enter a correct username and password (or e-mail address and password). "
    "Both may be case-sensitive."
)


def locked_message(wait: int) -> str:
    return (
        f"Too many failed attempts from here or for this account. Try again in "
        f"{throttle.human_wait(wait)}, or reset your password."
    )


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

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            raise _with_warning(self.request, error, "wrong password") from None


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
