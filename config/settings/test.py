"""Tests: real PostgreSQL (a test database named by STAFFROOM_TEST_DB, on the cluster of
`make services` unless DATABASE_URL names another), fast hashing."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES, CONTENT_SECURITY_POLICY, INSTALLED_APPS, database_settings
from config.settings.local_services import local_database_url

# Demo and benchmark seeding (`seed_demo`, `seed_scale`): development and tests only.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = database_settings(local_database_url())
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("STAFFROOM_TEST_DB", "test_staffroom")}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The real database backend: tests run queued tasks with `db_worker --batch` or call them.
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
# allauth's e-mails are sent as soon as they are queued, so a test reads ``mail.outbox`` right
# after a reset; tests of the queue itself set this back to "default".
ACCOUNT_MAIL_TASK_BACKEND = "immediate"
READ_EVENT_THROTTLE_SECONDS = 300
# Rate limits off by default (many tests write quickly as one user); tests of the limits
# switch them on with the ``settings`` fixture.
RATE_LIMITS: dict[str, list[str]] = {}
# Wagtail's editor autosaves a new page in the background; in a browser test that races the
# explicit "Publish" and refuses it as an older version. Tests publish explicitly.
WAGTAIL_AUTOSAVE_INTERVAL = 0
# The embed provider of tests/scenarios/helpers.py.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"].append("https://example.test")
# Each process keeps its own default cache, even with REDIS_URL: a server subprocess restarts to
# drop what it cached (tests/conftest.py: content types and Wagtail's site paths change with
# every flush), and test sessions must not share one. The "ratelimit" cache follows REDIS_URL.
CACHES = {
    **CACHES,
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
}
