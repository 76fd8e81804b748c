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
