"""Settings for Misago under the bench: production-like (no debug, persistent database
connection, local-memory cache as Staffroom's bench server has) and its own database."""

import os

from misago.settings import *  # noqa: F403
from misago.settings import INSTALLED_APPS

SECRET_KEY = "bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["MISAGO_DB_NAME"],
        "USER": os.environ.get("MISAGO_DB_USER", ""),
        "PASSWORD": os.environ.get("MISAGO_DB_PASSWORD", ""),
        "HOST": os.environ.get("MISAGO_DB_HOST", ""),
        "PORT": os.environ.get("MISAGO_DB_PORT", ""),
        # One connection kept for the process (Staffroom's server keeps a pool): no connect
        # per request in either product's CPU.
        "CONN_MAX_AGE": None,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ["MISAGO_MEDIA_ROOT"]
STATIC_ROOT = os.path.join(MEDIA_ROOT, "static")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "Misago <misago@example.com>"

AUTH_USER_MODEL = "misago_users.User"
AUTHENTICATION_BACKENDS = ["misago.users.authbackends.MisagoBackend"]
CSRF_FAILURE_VIEW = "misago.core.errorpages.csrf_failure"
INSTALLED_PLUGINS = []
INSTALLED_APPS = list(INSTALLED_APPS)
LOGIN_REDIRECT_URL = "misago:index"
LOGIN_URL = "misago:login"
LOGOUT_URL = "misago:logout"
# Misago 0.39's devproject middleware, without the debug toolbar.
MIDDLEWARE = [
    "misago.users.middleware.RealIPMiddleware",
    "misago.core.middleware.FrontendContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "misago.cache.middleware.cache_versions_middleware",
    "misago.conf.middleware.dynamic_settings_middleware",
    "misago.socialauth.middleware.socialauth_providers_middleware",
    "misago.users.middleware.UserMiddleware",
    "misago.acl.middleware.user_acl_middleware",
    "misago.core.middleware.ExceptionHandlerMiddleware",
    "misago.users.middleware.OnlineTrackerMiddleware",
    "misago.admin.middleware.AdminAuthMiddleware",
    "misago.threads.middleware.UnreadThreadsCountMiddleware",
]
ROOT_URLCONF = "tests.bench.misago_project.urls"
SOCIAL_AUTH_STRATEGY = "misago.socialauth.strategy.MisagoStrategy"
SOCIAL_AUTH_JSONFIELD_ENABLED = True
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": TEMPLATE_CONTEXT_PROCESSORS},  # noqa: F405
    }
]
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["misago.core.rest_permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "misago.core.exceptionhandler.handle_api_exception",
    "UNAUTHENTICATED_USER": "misago.users.models.AnonymousUser",
    "URL_FORMAT_OVERRIDE": None,
}
# Tasks (the reply's notifications) go to a broker, as in production; no worker runs here,
# and the bench deletes what was queued.
CELERY_BROKER_URL = os.environ["MISAGO_BROKER_URL"]
MISAGO_AVATARS_SIZES = [400, 200, 100]
MISAGO_SEARCH_CONFIG = "simple"
MISAGO_USER_DATA_DOWNLOADS_WORKING_DIR = os.path.join(MEDIA_ROOT, "userdata")
MISAGO_AVATAR_GALLERY = os.path.join(MEDIA_ROOT, "avatargallery")
# Errors to the server's log (the bench keeps it in var/).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "ERROR"}},
}
