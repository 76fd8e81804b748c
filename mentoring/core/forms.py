"""What every form of the app shares: showing a service's refusal next to its field."""

from __future__ import annotations

from mentoring.core.errors import ServiceError
from mentoring.core.validation import SaneInputFormMixin


class ServiceErrorsMixin(SaneInputFormMixin):
    """Show a refused request next to the field it is about (or above the form).

    Services name domain fields (``body``, ``thread``); a form without that field, or with it
    hidden, shows the error above the form instead of raising ``ValueError``.
    """

    def add_service_error(self, error: ServiceError, *, default: str | None = None) -> None:
        """``default``: the field to show an error that names none (e.g. a list of usernames)."""
        field = error.extra.get("field") or default
        if field not in self.fields or self.fields[field].widget.is_hidden:
            field = None  # a hidden field's error would not be seen next to it
        self.add_error(field, error.detail)
