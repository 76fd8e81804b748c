"""The instructor's choices: a cohort for an unlinked course, and what a deep link places."""

from __future__ import annotations

from django import forms

from mentoring.models import Cohort


class CourseSetupForm(forms.Form):
    CREATE, LINK = "create", "link"

    action = forms.ChoiceField(
        choices=[(CREATE, "Create a cohort for this course"), (LINK, "Link to a cohort I tutor")],
        widget=forms.RadioSelect,
        initial=CREATE,
    )
    name = forms.CharField(max_length=200, required=False, label="Name of the new cohort")
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(), required=False, label="Cohort to link"
    )

    def __init__(self, *args, cohorts, course_title: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["name"].initial = course_title
        if not cohorts.exists():
            self.fields["action"].choices = self.fields["action"].choices[:1]

    def clean(self):
        data = super().clean()
        if data.get("action") == self.LINK and not data.get("cohort"):
            self.add_error("cohort", "Choose the cohort to link.")
        return data


class PlacementForm(forms.Form):
    target = forms.ChoiceField(label="What to place in the course", widget=forms.RadioSelect)

    def __init__(self, *args, placements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(p.key, p.title) for p in placements]


class GradebookForm(forms.Form):
    """What the cohort sends to the courses' gradebooks."""

    send_participation = forms.BooleanField(
        required=False, label="Send participation (a score per status, below)"
    )
    send_solutions = forms.BooleanField(
        required=False,
        label="Send scenario solutions (submitted = 1, your feedback as the comment)",
    )

    def __init__(self, *args, scores: dict[str, float], **kwargs):
        super().__init__(*args, **kwargs)
        from mentoring.models import ParticipationStatus

        for status in ParticipationStatus:
            self.fields[f"score_{status.value}"] = forms.FloatField(
                min_value=0,
                max_value=1,
                label=f"Score for {status.label}",
                initial=scores.get(status.value, 0),
            )

    def scores(self) -> dict[str, float]:
        return {
            name.removeprefix("score_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("score_")
        }
