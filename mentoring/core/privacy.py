"""Which part of Staffroom exports which of a member's data: one registry of providers.

Moodle's privacy-provider idea: each feature (and each app, such as ``scenarios``) declares a
``Provider`` next to its own models, saying which user fields of which models it covers and
how to export them for one person. The export service knows none of the features: it asks
each registered provider in turn. A test walks every model with a foreign key (or a
one-to-one or many-to-many field) to the user model in the apps in scope (``APPS_IN_SCOPE``)
and fails on any field no provider covers, so a new model cannot be forgotten.

Mentoring's features are registered by ``mentoring.apps`` (``ready``); other apps register
their own in their ``ready`` (mentoring never imports them).

What a provider exports is what the person was shown, never more: other people appear only
under the names the person saw (``mentoring.rules.visibility``), never with an e-mail address.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mentoring.models import User

# The apps whose user fields must each be covered by a provider. Out of scope, and why:
# ``admin`` (LogEntry: staff's audit trail of their own admin actions, an operator record),
# the ``wagtail*`` apps (editors' page revisions, locks, workflow and profile: CMS authoring by
# staff, exported from Wagtail if ever asked), ``auth``/``sessions`` (no user foreign key:
# group and permission links live on the user row, sessions hold only an id and expire).
APPS_IN_SCOPE = ("mentoring", "scenarios", "cms", "account", "mfa", "guardian", "django_tasks_db")

Exporter = Callable[[User, datetime], Mapping[str, Any]]


@dataclass(frozen=True)
class Provider:
    """One feature's part of an export.

    ``name``: the section's key in the JSON (stable); ``title``: its heading in the HTML;
    ``covers``: ``{"app_label.ModelName": ("field", ...)}``, the user fields of each model whose
    rows ``export`` includes (``"mentoring.User": ("self",)`` for the account row itself);
    ``export(user, now)``: ``{part name: rows}``, each value JSON-ready (lists of dicts, dicts,
    text, numbers, datetimes).
    """

    name: str
    title: str
    covers: Mapping[str, tuple[str, ...]]
    export: Exporter
    description: str = ""
    parts: Mapping[str, str] = field(default_factory=dict)  # part name → heading


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Add ``provider`` (or replace the one of the same name: ``ready`` may run twice)."""
    _providers[provider.name] = provider


def registered() -> list[Provider]:
    """Every provider, in the order they were first registered."""
    return list(_providers.values())


def covered_fields() -> set[tuple[str, str]]:
    """``(model label, field name)`` for every user field some provider covers."""
    return {
        (label, name)
        for provider in _providers.values()
        for label, names in provider.covers.items()
        for name in names
    }
