"""Local development: debug on, development secret allowed, emails to the console."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool

DEBUG = env_bool("DEBUG", True)
WHITENOISE_AUTOREFRESH = DEBUG
