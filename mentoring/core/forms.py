"""What every form of the app shares: showing a service's refusal next to its field, taking a
person to the first error, and date inputs a browser can show."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.forms.boundfield import BoundField

from mentoring.core.errors import ServiceError
from mentoring.core.validation import SaneInputFormMixin

SUMMARY = "__all__"


class DateInput(forms.DateInput):
    """``<input type=date>``. The browser shows only an ISO value (``2027-09-01``); Django would
    write the site's locale format (``01/09/2027``), which the browser shows as empty and posts
    back as empty, so a re-save erased the date."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """``<input type=datetime-local>`` in the one format it shows (``2027-09-01T09:00``), in
    local time (the field converts before the widget formats). Seconds are kept when there
    are any, so saving unchanged never moves a time."""

    input_type = "datetime-local"

    def format_value(self, value):
        if isinstance(value, datetime):
            with_seconds = value.second or value.microsecond
            return value.strftime("%Y-%m-%dT%H:%M:%S" if with_seconds else "%Y-%m-%dT%H:%M")
        if isinstance(value, date):
            return value.strftime("%Y-%m-%dT00:00")
        return super().format_value(value)


class ErrorFocusBoundField(BoundField):
    """The first field with an error gets ``autofocus``: a failed submit reloads the page, and
    the browser then scrolls to that field and puts the keyboard there, where its error is read
    with it (``aria-invalid``, ``aria-describedby`` → ``<id>_error``)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.form.error_focus == self.name:
            attrs["autofocus"] = True
        return attrs


class ErrorFocusMixin:
    """Where a failed submit takes the person: the form's error summary when there is one (a
    refusal that names no field, or an error of a hidden field), else the first field with an
    error, in the order shown. Templates render the summary with ``includes/form_errors.html``
    and fields with ``includes/field.html``."""

    bound_field_class = ErrorFocusBoundField

    def summary_errors(self) -> list[str]:
        """Errors shown above the form: those of no field and of hidden fields."""
        shown = list(self.non_field_errors())
        for field in self.hidden_fields():
            shown += [f"{field.label}: {error}" for error in field.errors]
        return shown

    @property
    def error_focus(self) -> str | None:
        """``"__all__"`` for the summary, a field's name, or ``None`` (no error, or unbound)."""
        if not self.is_bound or not self.errors:
            return None
        if self.summary_errors():
            return SUMMARY
        return next((name for name in self.fields if name in self.errors), SUMMARY)


class ServiceErrorsMixin(ErrorFocusMixin, SaneInputFormMixin):
    """Show a refused request next to the field it is about (or above the form).

    Services name domain fields (``body``, ``thread``); a form without that field, or with it
    hidden, shows the error above the form instead of raising ``ValueError``.
    """

    def add_service_error(self, error: ServiceError, *, default: str | None = None) -> None:
        """``default``: the field to show an error that names none (e.g. a list of usernames)."""
        self.refusal = error  # its status is the page's (mentoring.core.refusals.form_page)
        field = error.extra.get("field") or default
        if field not in self.fields or self.fields[field].widget.is_hidden:
            field = None  # a hidden field's error would not be seen next to it
        self.add_error(field, error.detail)
