"""Tests: real PostgreSQL (a test database named by STAFFROOM_TEST_DB), fast hashing."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import CONTENT_SECURITY_POLICY, DATABASES, INSTALLED_APPS

# Demo and benchmark seeding (`seed_demo`, `seed_scale`): development and tests only.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("STAFFROOM_TEST_DB", "test_staffroom")}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The real database backend: tests run queued tasks with `db_worker --batch` or call them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
READ_EVENT_THROTTLE_SECONDS = 300
# Rate limits off by default (many tests write quickly as one user); tests of the limits
# switch them on with the ``settings`` fixture.
RATE_LIMITS: dict[str, list[str]] = {}
# Wagtail's editor autosaves a new page in the background; in a browser test that races the
# explicit "Publish" and refuses it as an older version. Tests publish explicitly.
WAGTAIL_AUTOSAVE_INTERVAL = 0
# The embed provider of tests/scenarios/helpers.py.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"].append("https://example.test")
