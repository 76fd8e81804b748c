"""How django-allauth behaves in Staffroom.

Nobody signs up on their own: accounts come from an invitation or a cohort's join link, whose
pages create them (see ``mentoring.invitations``). The wrong-password message keeps the wording
people know from the previous sign-in page.

allauth's e-mails name the site and link to it like every other Staffroom e-mail: the name is
``WAGTAIL_SITE_NAME`` and the address ``WAGTAILADMIN_BASE_URL``. Without django.contrib.sites,
allauth would take both from the request's host ("Hello from 127.0.0.1:8610!"), and a forged
Host header would reach the links of a password-reset e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

if TYPE_CHECKING:
    from allauth.account.models import EmailConfirmation

WRONG_CREDENTIALS = (
    "Please enter a correct username and password (or e-mail address and password). "
    "Both may be case-sensitive."
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

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        site = site_identity()
        super().send_mail(
            template_prefix,
            email,
            {
                **context,
                "current_site": site,
                "site_url": site.url,
                # Where to ask for a password reset, for "if this wasn't you".
                "reset_request_url": absolute(reverse("account_reset_password")),
            },
        )

    def get_email_confirmation_url(
        self, request: HttpRequest, emailconfirmation: EmailConfirmation
    ) -> str:
        return absolute(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth's own path, with "UID-KEY" standing for the opaque key (its flows do the same).
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute(path.replace("UID-KEY", quote(key)))


class StaffroomLoginForm(LoginForm):
    """allauth's sign-in form, with a label that says what may be typed."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail address"
        self.fields["password"].help_text = ""
