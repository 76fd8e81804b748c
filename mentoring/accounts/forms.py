"""Forms for a person's own account pages."""

from __future__ import annotations

from django import forms

from mentoring.accounts.services.profile import DISPLAY_NAME_MAX
from mentoring.core.validation import SaneInputFormMixin


class ProfileForm(SaneInputFormMixin, forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=DISPLAY_NAME_MAX,
        required=False,
        help_text="How your name appears to your cohort.",
    )


class DeleteAccountForm(SaneInputFormMixin, forms.Form):
    """Asking for one's account to be deleted: the password again (when the account has one),
    so a browser left signed in is not enough, and a tick that says what happens."""

    password = forms.CharField(label="Your password", widget=forms.PasswordInput, strip=False)
    confirm = forms.BooleanField(
        label="I understand that my account will be deleted in 14 days unless I sign in again.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return password
