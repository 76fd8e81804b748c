"""How django-allauth behaves in Staffroom.

Nobody signs up on their own: accounts come from an invitation or a cohort's join link, whose
pages create them (see ``mentoring.invitations``). The wrong-password message keeps the wording
people know from the previous sign-in page.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm
from django.http import HttpRequest

WRONG_CREDENTIALS = (
    "Please enter a correct username and password (or e-mail address and password). "
    "Both may be case-sensitive."
)


class StaffroomAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": WRONG_CREDENTIALS,
        "email_password_mismatch": WRONG_CREDENTIALS,
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class StaffroomLoginForm(LoginForm):
    """allauth's sign-in form, with a label that says what may be typed."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail address"
        self.fields["password"].help_text = ""
