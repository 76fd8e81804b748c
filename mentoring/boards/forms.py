"""Forms of the server-rendered board pages. The services validate again and have the last word;
the forms give a person field errors without a round trip through an exception."""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings

from mentoring.core.forms import DateInput, DateTimeInput, ErrorFocusMixin, ServiceErrorsMixin
from mentoring.core.validation import SaneInputFormMixin
from mentoring.models import MAX_POST_LENGTH

BODY_HELP = (
    "Markdown works: **bold**, *italic*, lists, [links](https://example.org). "
    "Tag a topic with a hashtag, like #behaviour. Mention someone with @ and their name. "
    "Images from other websites are not shown: attach the image instead."
)
ATTACHMENTS_HELP = (
    "Up to {count} files of at most {size} MB each: images (JPEG, PNG, GIF, WebP) are shown in "
    "the post, with their hidden details (camera, place) removed; PDF, Word, PowerPoint and "
    "Excel files are offered for download."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; checked by the services
    (``boards.services.attachments``), which refuse with the reason."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(AttachmentsField, self).clean(f, initial) for f in files if f]


def _attachments_field(label: str = "Attach files or images (optional)") -> AttachmentsField:
    return AttachmentsField(
        label=label,
        help_text=ATTACHMENTS_HELP.format(
            count=settings.POST_ATTACHMENTS_PER_POST,
            size=settings.POST_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        ),
    )


def _body_field(label: str = "Your post") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MAX_POST_LENGTH,
        strip=True,
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_POST_LENGTH}),
        error_messages={
            "required": "Write something before posting.",
            "max_length": f"A post can be at most {MAX_POST_LENGTH:,} characters "
            "(it has %(show_value)d).",
        },
    )


class AnonymousFieldMixin:
    def __init__(self, *args, allow_anonymous: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_anonymous:
            del self.fields["anonymous"]


class ThreadForm(ServiceErrorsMixin, AnonymousFieldMixin, forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Give the thread a title."})
    body = _body_field("Your first post")
    attachments = _attachments_field()
    anonymous = forms.BooleanField(
        required=False,
        label="Anonymous to peers",
        help_text="Other members see “a member of this cohort”; tutors still see your name.",
    )


class PostForm(ServiceErrorsMixin, AnonymousFieldMixin, forms.Form):
    body = _body_field("Your reply")
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attachments = _attachments_field()
    anonymous = ThreadForm.base_fields["anonymous"]


class EditPostForm(ServiceErrorsMixin, forms.Form):
    body = _body_field("Your post")
    attachments = _attachments_field("Attach more files or images (optional)")
    remove = forms.TypedMultipleChoiceField(
        required=False, coerce=int, label="Remove attachments", widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, attached=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove"].choices = [(a.pk, a.name) for a in attached]
        if not attached:
            del self.fields["remove"]


class HidePostForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        max_length=500,
        help_text="The author sees this reason. You can show the post again later.",
        error_messages={"required": "Say why the post is hidden."},
    )


class FlagPostForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(max_length=500, required=False, label="What worries you? (optional)")


# Search dates outside this span are refused: nothing was written then, and a far date would
# overflow when turned into a datetime.
SEARCH_EARLIEST, SEARCH_LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _search_date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=DateInput,
        error_messages={"invalid": "Enter a date like 2027-09-01."},
    )


class SearchForm(SaneInputFormMixin, forms.Form):
    """The search box and its filters. ``boards``: those of the cohort the searcher may see
    (a board outside them is a field error, never a hint that it exists)."""

    q = forms.CharField(label="Search the discussions", max_length=200, required=False)
    author = forms.CharField(label="Written by", max_length=100, required=False)
    board = forms.TypedChoiceField(coerce=int, label="Board", required=False, empty_value=None)
    since = _search_date("From")
    until = _search_date("To")
    unread = forms.BooleanField(label="Only unread", required=False)

    def __init__(self, *args, boards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = [("", "Any board")] + [(b.pk, b.title) for b in boards]

    def clean(self):
        cleaned = super().clean()
        for name in ("since", "until"):
            value = cleaned.get(name)
            if value is not None and not SEARCH_EARLIEST <= value <= SEARCH_LATEST:
                self.add_error(
                    name,
                    forms.ValidationError(
                        f"Pick a date between {SEARCH_EARLIEST:%Y} and {SEARCH_LATEST:%Y}.",
                        code="date_out_of_range",
                    ),
                )
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error(
                "until", forms.ValidationError("This is before “From”.", code="date_order")
            )
        return cleaned

    @property
    def filters(self) -> dict:
        """The cleaned filters for ``selectors.search_page`` (call after ``is_valid``)."""
        data = self.cleaned_data
        return {
            "author": data.get("author") or "",
            "board_id": data.get("board"),
            "since": data.get("since"),
            "until": data.get("until"),
            "unread_only": bool(data.get("unread")),
        }


class PromptSeriesForm(ErrorFocusMixin, SaneInputFormMixin, forms.Form):
    """A term's weekly prompts at once: one block per prompt, its first line the title."""

    board = forms.TypedChoiceField(coerce=int, label="Board")
    first_at = forms.DateTimeField(
        label="First one published at",
        widget=DateTimeInput,
        help_text="Local time.",
    )
    every_days = forms.IntegerField(
        label="Then one every … days", min_value=1, max_value=90, initial=7
    )
    prompts = forms.CharField(
        label="Prompts",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=MAX_POST_LENGTH * 4,
        help_text="One prompt per block, blocks separated by a line with just ---. "
        "The first line of each block is its title, the rest its text (Markdown).",
    )

    def __init__(self, *args, boards: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = boards

    def clean_prompts(self) -> list[tuple[str, str]]:
        blocks = [b.strip() for b in self.cleaned_data["prompts"].split("\n---") if b.strip()]
        parsed = []
        for number, block in enumerate(blocks, start=1):
            title, _, body = block.partition("\n")
            if not body.strip():
                raise forms.ValidationError(f"Prompt {number} needs a text under its title.")
            parsed.append((title.strip(), body.strip()))
        if not parsed:
            raise forms.ValidationError("Write at least one prompt.")
        return parsed


class RescheduleForm(ErrorFocusMixin, SaneInputFormMixin, forms.Form):
    """A scheduled prompt edited in place: its title, text and time. The text is optional here
    (a form without it keeps the text); an empty one is refused by the service like any post."""

    title = forms.CharField(label="Title", max_length=200)
    body = forms.CharField(
        label="Text",
        required=False,
        max_length=MAX_POST_LENGTH,
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_POST_LENGTH}),
    )
    publish_at = forms.DateTimeField(
        label="Publish at", widget=DateTimeInput, help_text="Local time."
    )
