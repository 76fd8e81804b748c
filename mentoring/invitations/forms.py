"""Forms for inviting people, importing a roster, join links and accepting an invitation."""

from __future__ import annotations

import base64
import binascii

from django import forms

from mentoring.core.validation import SaneInputFormMixin
from mentoring.invitations.services.roster import MAX_ROSTER_BYTES


class InviteForm(SaneInputFormMixin, forms.Form):
    emails = forms.CharField(
        label="E-mail addresses",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more, separated by commas, spaces or new lines, each optionally with "
        "the person's name: Nia Person &lt;nia@uni.example&gt;. People already in another of "
        "your cohorts are added at once and told by e-mail; everyone else is invited.",
    )


class RosterUploadForm(SaneInputFormMixin, forms.Form):
    roster = forms.FileField(
        label="Roster file (CSV)",
        help_text="A CSV as Excel, Moodle, Canvas, Blackboard, Google or Microsoft 365 export "
        "it. It needs an e-mail column (email, Email address, E-mail…); names (first and last "
        "name, or one name column) and a role (member or tutor; Student, Teacher, TA…) are "
        "read too, and other columns are ignored.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,.tsv,.xls,text/csv,text/plain,text/tab-separated-values"}
        ),
    )

    def clean_roster(self) -> bytes:
        upload = self.cleaned_data["roster"]
        if upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_ROSTER_BYTES:,} bytes.")
        return upload.read()


class RosterCommitForm(SaneInputFormMixin, forms.Form):
    """The previewed file travels back with the commit, so what is committed is what was shown."""

    content = forms.CharField(widget=forms.HiddenInput)

    def clean_content(self) -> bytes:
        try:
            data = base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError) as error:
            raise forms.ValidationError(
                "The file was damaged on the way; upload it again."
            ) from error
        return data

    @staticmethod
    def encode(data: bytes) -> str:
        return base64.b64encode(data).decode()


class JoinLinkForm(SaneInputFormMixin, forms.Form):
    enabled = forms.BooleanField(label="Anyone with the link may join", required=False)
    allowed_domains = forms.CharField(
        label="Only addresses at these domains",
        required=False,
        help_text="For example uni.example.ac.uk, separated by commas. Empty allows any address.",
    )
    requires_approval = forms.BooleanField(
        label="A tutor approves each person who joins", required=False
    )


class SetPasswordForm(SaneInputFormMixin, forms.Form):
    display_name = forms.CharField(
        label="Your name", max_length=150, help_text="How your cohort will see you."
    )
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


class JoinEmailForm(SaneInputFormMixin, forms.Form):
    email = forms.EmailField(label="Your e-mail address")
