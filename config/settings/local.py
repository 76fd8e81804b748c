"""Local development: debug on (`make run` turns it off), development secret allowed, e-mail to
files in var/mail/, and the database of `make services` (var/services.env) unless DATABASE_URL
names another."""

from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS, VAR_DIR, database_settings, env, env_bool
from config.settings.local_services import local_database_url

DEBUG = env_bool("DEBUG", True)
WHITENOISE_AUTOREFRESH = DEBUG
DATABASES = database_settings(local_database_url())

# One file per message (the public surface, docs/api.md: in `make run`, e-mail is written to
# var/mail/), unless the environment names another backend.
EMAIL_BACKEND = env("EMAIL_BACKEND", "mentoring.core.mail.FilePerMessageBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# Demo and benchmark seeding (`seed_demo`, `seed_scale`): development and tests only.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
