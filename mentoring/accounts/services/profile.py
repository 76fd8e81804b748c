"""Writes to a person's own account."""

from __future__ import annotations

from django.db import transaction

from mentoring.core.errors import Invalid
from mentoring.models import User

DISPLAY_NAME_MAX = User._meta.get_field("display_name").max_length


@transaction.atomic
def set_display_name(*, user: User, display_name: str) -> User:
    """The name shown on posts and lists; blank falls back to the full name or username."""
    display_name = " ".join((display_name or "").split())
    if len(display_name) > DISPLAY_NAME_MAX:
        raise Invalid(
            "invalid", f"Use at most {DISPLAY_NAME_MAX} characters.", field="display_name"
        )
    User.objects.filter(pk=user.pk).update(display_name=display_name)
    user.display_name = display_name
    return user
