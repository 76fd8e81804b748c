"""The tool's signing keys: one signs, superseded ones stay published for an overlap.

Platforms fetch the key set (``/lti/jwks/``) to check what the tool signs (deep-linking
responses, the client-credentials assertions of roster and grade calls). A message signed just
before a rotation must still verify after it, so a superseded key leaves the set only
``LTI_KEY_OVERLAP_DAYS`` after the key that replaced it was made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from lti_tool.models import Key


def ensure_key() -> Key:
    """The signing key, made on first need (a fresh install has none)."""
    key = Key.objects.active().order_by("-datetime_created", "-pk").first()
    return key or Key.objects.generate()


@dataclass
class Rotation:
    created: Key
    retired: list[str]  # the kids taken out of the key set


@transaction.atomic
def rotate_keys(*, now: datetime | None = None, overlap: timedelta | None = None) -> Rotation:
    """Make a new signing key; retire each key superseded more than ``overlap`` ago."""
    now = now or timezone.now()
    overlap = overlap if overlap is not None else timedelta(days=settings.LTI_KEY_OVERLAP_DAYS)
    keys = list(Key.objects.select_for_update().active().order_by("datetime_created", "pk"))
    created = Key.objects.generate()
    created.datetime_created = now
    created.save(update_fields=["datetime_created"])
    retired = []
    successors = [*keys[1:], created]  # each key and the one that replaced it
    for key, successor in zip(keys, successors, strict=False):
        if successor.datetime_created <= now - overlap:
            retired.append(str(key))
            key.is_active = False
            key.save(update_fields=["is_active", "datetime_modified"])
    return Rotation(created=created, retired=retired)
