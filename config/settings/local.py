"""Local development: debug on (`make run` turns it off), development secret allowed, e-mail to
files in var/mail/."""

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, env, env_bool

DEBUG = env_bool("DEBUG", True)
WHITENOISE_AUTOREFRESH = DEBUG

# One file per message (the public surface, docs/api.md: in `make run`, e-mail is written to
# var/mail/), unless the environment names another backend.
EMAIL_BACKEND = env("EMAIL_BACKEND", "mentoring.core.mail.FilePerMessageBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
