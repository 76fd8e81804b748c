"""Forms for running a cohort: creating it (staff), its settings and its members (tutors)."""

from __future__ import annotations

import re

from django import forms

from mentoring.models import MAX_GRACE_SECONDS, Cohort


def split_usernames(text: str) -> list[str]:
    return [name for name in re.split(r"[\s,;]+", text or "") if name]


class CohortCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Cohort.Kind.choices)
    tutors = forms.CharField(
        help_text="Usernames of the tutors, separated by commas or spaces.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    starts_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_tutors(self) -> list[str]:
        names = split_usernames(self.cleaned_data["tutors"])
        if not names:
            raise forms.ValidationError("Name at least one tutor.")
        return names


class CohortSettingsForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = [
            "name",
            "starts_on",
            "ends_on",
            "edit_grace_seconds",
            "reader_threshold",
            "allow_anonymous_to_peers",
            "nudge_template",
            "quiet_days",
            "never_started_days",
            "unanswered_hours",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "edit_grace_seconds": forms.NumberInput(attrs={"min": 0, "max": MAX_GRACE_SECONDS}),
            "reader_threshold": forms.NumberInput(attrs={"min": 1}),
        }
        help_texts = {
            "edit_grace_seconds": "Seconds, from 0 to 86400 (a day). 1800 is 30 minutes.",
            "nudge_template": "The starting text of a nudge. {name} and {cohort} are filled in.",
        }

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The cohort cannot end before it starts.")
        return cleaned


class EnrolForm(forms.Form):
    usernames = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Usernames of people who already have an account, separated by commas, "
        "spaces or new lines. If any is unknown, nobody is enrolled.",
    )

    def clean_usernames(self) -> list[str]:
        names = split_usernames(self.cleaned_data["usernames"])
        if not names:
            raise forms.ValidationError("Give at least one username.")
        return names
