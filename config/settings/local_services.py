"""The project-local services of ``make services``, for the local and test settings only.

``platform/services.sh`` writes ``var/services.env`` (KEY=value lines) with the URL of the
PostgreSQL cluster it started. Local and test settings use it when ``DATABASE_URL`` is not set,
so that `make run`, `make test` and ``manage.py`` work with no environment at all. Production
never imports this module: there, ``DATABASE_URL`` is required.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import VAR_DIR, env


def local_services_env() -> dict[str, str]:
    """Read ``var/services.env`` (KEY=value lines) written by ``platform/services.sh``."""
    path = VAR_DIR / "services.env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.startswith("#"):
                values[key.strip()] = value.strip()
    return values


def local_database_url() -> str:
    """``DATABASE_URL`` from the environment, else the project-local cluster's."""
    url = env("DATABASE_URL") or local_services_env().get("DATABASE_URL")
    if not url:
        raise ImproperlyConfigured(
            "No database: set DATABASE_URL, or run `make services` to start the project-local "
            "PostgreSQL (it writes var/services.env)."
        )
    return url
