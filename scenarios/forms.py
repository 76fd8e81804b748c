"""Forms of the scenario pages. The services validate again and have the last word; forms give
field errors, and ``add_service_error`` puts a refused request next to its field."""

from __future__ import annotations

from django import forms

from mentoring.core.errors import ServiceError
from mentoring.core.forms import DateTimeInput, ErrorFocusMixin
from mentoring.core.validation import INT32_MAX, SaneInputFormMixin
from mentoring.models import User
from scenarios.models import (
    DEFAULT_GROUP_SIZE,
    MAX_GROUP_SIZE,
    MAX_SOLUTION_LENGTH,
    MIN_GROUP_SIZE,
    Release,
    ScenarioGroup,
    ScenarioPage,
)

MARKDOWN_HELP = "Markdown works: **bold**, *italic*, numbered and bulleted lists."


class ServiceErrorsMixin(ErrorFocusMixin, SaneInputFormMixin):
    def add_service_error(self, error: ServiceError) -> None:
        self.refusal = error  # its status is the page's (mentoring.core.refusals.form_page)
        field = error.extra.get("field")
        self.add_error(field if field in self.fields else None, error.detail)


class ReleaseForm(ServiceErrorsMixin, forms.Form):
    scenario = forms.ModelChoiceField(
        queryset=ScenarioPage.objects.none(),
        empty_label="Choose a published scenario",
        error_messages={"required": "Choose the scenario to release."},
    )
    opens_at = forms.DateTimeField(
        required=False,
        label="Opens at",
        help_text="Leave empty to open it now.",
        widget=DateTimeInput,
    )
    closes_at = forms.DateTimeField(
        required=False,
        label="Closes at",
        help_text="Optional. After this, members no longer see the scenario.",
        widget=DateTimeInput,
    )
    group_size = forms.IntegerField(
        initial=DEFAULT_GROUP_SIZE,
        min_value=MIN_GROUP_SIZE,
        max_value=MAX_GROUP_SIZE,
        label="Group size",
        help_text="Members are split into groups of about this size (at least 2).",
    )
    grouping = forms.ChoiceField(
        choices=Release.Grouping.choices,
        initial=Release.Grouping.RANDOM,
        label="Form groups",
        help_text="'By hand' starts from a random split that you then rearrange.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].queryset = ScenarioPage.objects.live().order_by("title")


class SolutionForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(
        label="Solution text",
        max_length=MAX_SOLUTION_LENGTH,
        help_text=MARKDOWN_HELP + " Everyone in the group can edit; every save is kept.",
        widget=forms.Textarea(attrs={"rows": 14}),
        error_messages={"required": "Write something before saving the solution."},
    )
    base_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=INT32_MAX
    )


class FeedbackForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(
        label="Feedback to the group",
        max_length=20_000,
        help_text=MARKDOWN_HELP + " Every member of the group is notified.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write your feedback first."},
    )


class ReflectionForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(
        label="Reflection",
        max_length=MAX_SOLUTION_LENGTH,
        help_text="Only you and the cohort's tutors can read this. " + MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write something before saving your reflection."},
    )

    def __init__(self, *args, **kwargs) -> None:
        # Its own ids: the group's solution form on the same page has a ``body`` field too, and
        # two ``id_body`` would leave one of the labels pointing at the other's box.
        kwargs.setdefault("auto_id", "id_reflection_%s")
        super().__init__(*args, **kwargs)


class MoveMemberForm(ServiceErrorsMixin, forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Member")
    group = forms.ModelChoiceField(queryset=ScenarioGroup.objects.none(), label="Move to")

    def __init__(self, *args, release: Release, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            memberships__cohort=release.cohort, memberships__role="member"
        ).order_by("display_name", "username")
        self.fields["group"].queryset = ScenarioGroup.objects.filter(release=release)
