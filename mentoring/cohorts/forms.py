"""Forms for running a cohort: creating it (staff), its settings and its members (tutors)."""

from __future__ import annotations

import re

from django import forms

from mentoring.cohorts.selectors import tutor_candidates
from mentoring.core.forms import DateInput, ServiceErrorsMixin
from mentoring.models import MAX_GRACE_SECONDS, Cohort, User, nudge_placeholder_help

MAX_GRACE_MINUTES = MAX_GRACE_SECONDS // 60


def split_usernames(text: str) -> list[str]:
    return [name for name in re.split(r"[\s,;]+", text or "") if name]


class TutorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return (
            f"{obj.shown_name} ({obj.username})" if obj.shown_name != obj.username else obj.username
        )


class CohortCreateForm(ServiceErrorsMixin, forms.Form):
    """A new cohort. Its tutors are ticked from a list of people (staff, and whoever tutors a
    cohort already) rather than typed as usernames; the creator is ticked to begin with."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Cohort.Kind.choices)
    tutors = TutorChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Staff and everyone who already tutors a cohort. You are ticked to begin "
        "with; members are enrolled afterwards, from the cohort's members page.",
        error_messages={
            "required": "Choose at least one tutor.",
            "invalid_choice": "Choose tutors from the list.",
            "invalid_pk_value": "Choose tutors from the list.",
        },
    )
    starts_on = forms.DateField(required=False, widget=DateInput)
    ends_on = forms.DateField(required=False, widget=DateInput)

    def __init__(self, *args, creator: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tutors"].queryset = tutor_candidates(including=creator)
        self.fields["tutors"].initial = [creator.pk]


class CohortSettingsForm(ServiceErrorsMixin, forms.ModelForm):
    """The cohort's settings as a tutor thinks of them: the grace period in minutes (the API
    keeps ``edit_grace_seconds``); ``cleaned_data`` speaks the service's field names."""

    edit_grace_minutes = forms.IntegerField(
        label="Editing time after posting (minutes)",
        min_value=0,
        max_value=MAX_GRACE_MINUTES,
        help_text=f"From 0 to {MAX_GRACE_MINUTES:,} minutes (a day); 30 is the default. "
        "Members can edit or retract a post for this long.",
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_GRACE_MINUTES, "step": 1}),
        error_messages={
            "min_value": "The editing time cannot be negative.",
            "max_value": f"The editing time can be at most {MAX_GRACE_MINUTES:,} minutes (a day).",
        },
    )

    class Meta:
        model = Cohort
        fields = [
            "name",
            "starts_on",
            "ends_on",
            "edit_grace_minutes",
            "reader_threshold",
            "allow_anonymous_to_peers",
            "nudge_template",
            "quiet_days",
            "never_started_days",
            "unanswered_hours",
            "invitation_days",
        ]
        widgets = {
            "starts_on": DateInput,
            "ends_on": DateInput,
            "reader_threshold": forms.NumberInput(attrs={"min": 1}),
        }
        help_texts = {"nudge_template": "The starting text of a nudge. " + nudge_placeholder_help()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        seconds = self.instance.edit_grace_seconds
        self.fields["edit_grace_minutes"].initial = round(seconds / 60)
        # Older clients post the form without it: keep the cohort's value then.
        self.fields["invitation_days"].required = False

    def clean_invitation_days(self) -> int:
        days = self.cleaned_data.get("invitation_days")
        return self.instance.invitation_days if days is None else days

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The cohort cannot end before it starts.")
        return cleaned

    def changed_settings(self) -> dict:
        """The changed settings under the service's names (minutes become seconds; an untouched
        minutes field keeps a grace period the API set in odd seconds)."""
        changes = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name != "edit_grace_minutes"
        }
        if "edit_grace_minutes" in self.changed_data:
            changes["edit_grace_seconds"] = self.cleaned_data["edit_grace_minutes"] * 60
        return changes


class EnrolForm(ServiceErrorsMixin, forms.Form):
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


class RemoveMemberForm(ServiceErrorsMixin, forms.Form):
    """Who leaves the cohort: only someone in it (never the tutor doing it). Anything else, a
    non-number included, is one and the same refusal that names nobody."""

    remove = forms.ModelChoiceField(
        queryset=User.objects.none(),
        error_messages={"invalid_choice": "That person is not in this cohort."},
    )

    def __init__(self, *args, cohort: Cohort, by: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove"].queryset = User.objects.filter(memberships__cohort=cohort).exclude(
            pk=by.pk
        )
