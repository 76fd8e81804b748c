"""Local development: debug on, development secret allowed, emails to the console."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
WHITENOISE_AUTOREFRESH = DEBUG
