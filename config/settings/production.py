"""Production: debug off, secure cookies, and nothing guessed.

What production cannot guess has no default here: ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL``, the mail server (``EMAIL_HOST``, ``EMAIL_PORT``, ``EMAIL_HOST_USER``,
``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``) and ``DEFAULT_FROM_EMAIL``; a missing one stops the
start with ImproperlyConfigured naming it. ``REDIS_URL`` is required as soon as
``STAFFROOM_WORKERS`` (the number of web worker processes) is more than one. Errors go to
Sentry when ``SENTRY_DSN`` is set, else by mail to ``ADMINS``. ``var/services.env`` (the local
cluster of `make services`) is never read here. platform/deploy/env.example lists them all.
"""

import logging
from email.utils import getaddresses

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import (
    DEVELOPMENT_SECRET_KEY,
    REDIS_URL,
    database_settings,
    env,
    env_bool,
    env_required,
)

DEBUG = False

# --- Required -------------------------------------------------------------------------------
SECRET_KEY = env_required("SECRET_KEY")
if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a long random value: production refuses the development key."
    )
ALLOWED_HOSTS = [host.strip() for host in env_required("ALLOWED_HOSTS").split(",") if host.strip()]
DATABASES = database_settings(env_required("DATABASE_URL"))

# Mail (invitations, sign-in codes, notifications, digests) goes through an SMTP server. A relay
# that needs no sign-in takes EMAIL_HOST_USER= and EMAIL_HOST_PASSWORD= (set, empty).
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_required("EMAIL_HOST")
try:
    EMAIL_PORT = int(env_required("EMAIL_PORT"))
except ValueError as error:
    raise ImproperlyConfigured("EMAIL_PORT must be a port number") from error
EMAIL_HOST_USER = env_required("EMAIL_HOST_USER", allow_empty=True)
EMAIL_HOST_PASSWORD = env_required("EMAIL_HOST_PASSWORD", allow_empty=True)
env_required("EMAIL_USE_TLS")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_required("DEFAULT_FROM_EMAIL")
# The sender of error mail to ADMINS.
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Several web workers share websocket groups (channels-redis), sign-in locks, rate limits and
# the cache through Redis; without it each process would keep its own, and a post made through
# one worker would never reach sockets held by another.
try:
    STAFFROOM_WORKERS = int(env("STAFFROOM_WORKERS", "1"))
except ValueError as error:
    raise ImproperlyConfigured("STAFFROOM_WORKERS must be a number of processes") from error
if STAFFROOM_WORKERS > 1 and not REDIS_URL:
    raise ImproperlyConfigured(
        f"STAFFROOM_WORKERS={STAFFROOM_WORKERS} needs REDIS_URL: several workers share "
        "websocket events, sign-in locks, rate limits and the cache through Redis."
    )

# --- Error reporting ------------------------------------------------------------------------
# Sentry when SENTRY_DSN is set (no personal data is sent: no addresses, cookies or bodies);
# otherwise Django mails each server error to ADMINS ("Name <address>,other@example.org"):
# its default logging sends the "django" logger's errors to them (AdminEmailHandler).
SENTRY_DSN = env("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", "production"),
        integrations=[DjangoIntegration(), LoggingIntegration(event_level=logging.ERROR)],
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
    ADMINS: list[tuple[str, str]] = []
else:
    ADMINS = [
        (name or address, address) for name, address in getaddresses([env("ADMINS", "")]) if address
    ]

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# HSTS for a year, subdomains included, with `preload` in the header so the domain qualifies
# for browsers' preload lists (submitting it there is a separate, deliberate step).
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
STORAGES = {
    "default": {"BACKEND": "config.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
