"""The notification settings form."""

from __future__ import annotations

from django import forms

from mentoring.core.forms import ServiceErrorsMixin
from mentoring.models import User


class EmailPreferenceForm(ServiceErrorsMixin, forms.Form):
    preference = forms.ChoiceField(
        label="Email me about replies",
        choices=User.EmailPreference.choices,
        widget=forms.RadioSelect,
        help_text="Emails wait until the reply's author can no longer retract it.",
    )
