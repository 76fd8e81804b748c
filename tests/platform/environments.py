"""Environments for starting the settings in a subprocess."""

from __future__ import annotations

import os

# Production's required variables, with values that pass (no server is contacted).
PRODUCTION_REQUIRED = {
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "staffroom.example.org",
    "DATABASE_URL": "postgres://staffroom@localhost:5432/staffroom",
    "EMAIL_HOST": "smtp.example.org",
    "EMAIL_PORT": "587",
    "EMAIL_HOST_USER": "staffroom@example.org",
    "EMAIL_HOST_PASSWORD": "secret",
    "EMAIL_USE_TLS": "true",
    "DEFAULT_FROM_EMAIL": "staffroom@example.org",
}
# Whatever this shell has set that would change what production does.
_CLEARED = {"DEBUG", "REDIS_URL", "STAFFROOM_WORKERS", "ADMINS", "SERVER_EMAIL"}
_CLEARED_PREFIXES = ("SECURE_", "EMAIL_", "SENTRY_")


def production_env(**overrides: str | None) -> dict[str, str]:
    """This process's environment without what the settings read, plus production's required
    variables and ``overrides`` (``NAME=None`` leaves NAME out)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in PRODUCTION_REQUIRED
        and name not in _CLEARED
        and not name.startswith(_CLEARED_PREFIXES)
    }
    environment.update(PRODUCTION_REQUIRED, DJANGO_SETTINGS_MODULE="config.settings.production")
    for name, value in overrides.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment
