"""Settings shared by every environment. Values come from the environment (12-factor).

Each environment's module (local, test, production) sets ``DATABASES``: local and test find the
project-local PostgreSQL of ``make services`` through ``var/services.env``
(config/settings/local_services.py) when ``DATABASE_URL`` is not set; production requires
``DATABASE_URL`` and never reads that file. Every variable read here or there is listed in
platform/deploy/env.example (tests/platform/test_env_example.py checks it).
"""

from __future__ import annotations

import ipaddress
import os
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_required(name: str, *, allow_empty: bool = False) -> str:
    """A variable production cannot guess: missing (or empty), the start stops and names it."""
    value = os.environ.get(name)
    if value is None or (not allow_empty and not value.strip()):
        raise ImproperlyConfigured(
            f"Set {name} in the environment (platform/deploy/env.example): "
            "production has no default for it."
        )
    return value


# --- Core -----------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
DEVELOPMENT_SECRET_KEY = "django-insecure-staffroom-development-key-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "mentoring.User"
# django.contrib.sites is not installed: e-mails take the site's name from WAGTAIL_SITE_NAME and
# its address from WAGTAILADMIN_BASE_URL (allauth's too, mentoring/accounts/adapter.py).
SITE_ID = 1
# The largest legitimate body (a long solution, a roster CSV of a few thousand rows) is well
# under 1 MB; anything over 2 MB is refused before it is read (the API answers 413 JSON).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024)))

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "mentoring",
    "scenarios",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.contrib.typed_table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "guardian",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    # LTI 1.3 (django-lti on PyLTI1p3): platform registrations, deployments, the tool's keys,
    # and the users, courses and resource links launches describe (mentoring/lti, docs/lti.md).
    "lti_tool",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "mentoring.core.middleware.RejectNulInUrlMiddleware",
    "mentoring.core.middleware.ApiMethodNotAllowedMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mentoring.lti.middleware.LtiCookieMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mentoring.accounts.middleware.LoginThrottleMiddleware",
    "mentoring.accounts.middleware.RequireTwoFactorMiddleware",
    "mentoring.accounts.middleware.ClearSiteDataMiddleware",
    "config.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mentoring.core.refusals.DomainErrorPageMiddleware",
    "mentoring.notifications.middleware.GoneNotificationTargetMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "mentoring.context_processors.staffroom",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian's anonymous user row is not needed: anonymous visitors never get object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False


# --- Database -------------------------------------------------------------------------------
def database_settings(url: str) -> dict:
    """``DATABASES`` for ``url`` (each environment's module calls it with its own URL).

    A bounded pool per process (Django's psycopg pool), not a connection per request thread:
    under ASGI every concurrent sync view runs in a thread of its own, and with CONN_MAX_AGE each
    of those threads kept its own connection until PostgreSQL ran out ("too many clients"). A
    request borrows a connection for its duration and gives it back; when all DB_POOL_MAX are
    out, it waits up to DB_POOL_TIMEOUT seconds. Several processes: the sum of their DB_POOL_MAX
    must stay under PostgreSQL's max_connections (or put PgBouncer in front; see
    docs/operations.md). The pool checks each connection as it lends it (CONN_HEALTH_CHECKS): none
    is stale after a database restart.
    """
    databases = {"default": dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)}
    # Behind PgBouncer in transaction mode: DB_POOL=false and DB_DISABLE_SERVER_SIDE_CURSORS=true.
    databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS")
    if env_bool("DB_POOL", True):
        databases["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(env("DB_POOL_MIN", "2")),
            "max_size": int(env("DB_POOL_MAX", "20")),
            "timeout": float(env("DB_POOL_TIMEOUT", "10")),
        }
    if databases["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("Staffroom runs on PostgreSQL only.")
    return databases


# --- Headers --------------------------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline code anywhere in the product's pages (data for scripts goes in json_script blocks).
# Websockets count as 'self' in CSP level 3 (Chromium, Firefox). Embedded videos in scenarios
# (Wagtail embeds) may frame the hosts in CSP_FRAME_SRC (by default YouTube and Vimeo).
EMBED_HOSTS = env_list(
    "CSP_FRAME_SRC",
    "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", *EMBED_HOSTS],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# Permissions-Policy (config.middleware.PermissionsPolicyMiddleware): no page of Staffroom uses
# the camera, microphone, location, payments or devices, so none may, nor may anything framed in
# it. Embedded videos (the CSP_FRAME_SRC hosts) may still play, go full screen and
# picture-in-picture, as their players ask.
# Only features Chromium knows are named (it ignores others, with a warning in its DevTools).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": ["self", *EMBED_HOSTS],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": ["self", *EMBED_HOSTS],
    "fullscreen": ["self", *EMBED_HOSTS],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": ["self", *EMBED_HOSTS],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}
# Wagtail's admin (and Django's) set style attributes and run a few inline scripts of their own;
# they get these allowances on /admin/ and /django-admin/ only (config/middleware.py).
CONTENT_SECURITY_POLICY_ADMIN_UPDATE = {
    "script-src": ["'unsafe-inline'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["https:", "blob:"],
}

# --- Channels -------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 30},
        }
    }
else:
    # One process only: events reach sockets served by this process.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background tasks -----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# allauth's e-mails (mentoring.accounts.services.mail) go through this backend of TASKS.
ACCOUNT_MAIL_TASK_BACKEND = "default"

# --- Auth (django-allauth: accounts, e-mail addresses, two-factor) ---------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "mentoring.accounts.adapter.StaffroomAccountAdapter"
ACCOUNT_FORMS = {
    "login": "mentoring.accounts.adapter.StaffroomLoginForm",
    "reset_password": "mentoring.accounts.adapter.StaffroomResetPasswordForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Accounts made by operators before e-mail verification existed must still sign in; new ones
# (invitations, join links) are verified by the link they followed.
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_CHANGE_EMAIL = True
# Changing one's e-mail address, like setting up two-factor, asks for the password (or a code)
# again unless the person signed in or confirmed it in the last ACCOUNT_REAUTHENTICATION_TIMEOUT
# seconds (allauth's default, 5 minutes).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Notices to the account's address when its password, e-mail address or two-factor changes; an
# e-mail change is announced to the OLD address.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Staffroom] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "http")
# Failed sign-ins are throttled by mentoring.accounts.services.throttle (one lock for every
# login form and for bearer tokens, answering 429); allauth's own per-form counter would answer 200.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Staffroom"
# With two-factor on, allauth refuses a new (still unverified) e-mail address, so the address
# could never be changed. Its reason (someone signs up with another person's address, never
# verifies it, and locks the owner out with two-factor) does not arise here: nobody signs up
# alone, accounts come from invitations whose link verified the address. The new address is
# still only used once its link is followed, after a fresh sign-in (above).
MFA_ALLOW_UNVERIFIED_EMAIL = True
# allauth's rate limit on codes is the "login_failed" one switched off above: ours locks them.
MFA_FORMS = {
    "authenticate": "mentoring.accounts.adapter.StaffroomAuthenticateForm",
    "reauthenticate": "mentoring.accounts.adapter.StaffroomReauthenticateForm",
}
# Single sign-on (docs/sso.md): staff add SAML 2.0 and OpenID Connect identity providers as
# allauth social applications in /django-admin/; mentoring.sso decides who may come in.
SOCIALACCOUNT_ADAPTER = "mentoring.sso.adapter.StaffroomSocialAccountAdapter"
# No signup form: an admitted person's account is made from what the IdP asserts.
SOCIALACCOUNT_AUTO_SIGNUP = True
# The IdP vouches for the address (or the login is refused): no confirmation e-mail.
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
# An identity is linked to an existing account only after that person confirms it once.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}

# The sign-in lock (mentoring.accounts.services.throttle). Wrong passwords for one account from one
# address, then that pair waits LOGIN_THROTTLE_SECONDS; the account from every address together
# gets a larger, slower allowance (LOGIN_THROTTLE_PER_ACCOUNT_TOTAL per
# LOGIN_THROTTLE_ACCOUNT_SECONDS), except in a browser that has signed in to it before; one
# address gets LOGIN_THROTTLE_PER_ADDRESS failures over all accounts (and bad bearer tokens).
LOGIN_THROTTLE_PER_ACCOUNT = int(env("LOGIN_THROTTLE_PER_ACCOUNT", "5"))
LOGIN_THROTTLE_PER_ACCOUNT_TOTAL = int(env("LOGIN_THROTTLE_PER_ACCOUNT_TOTAL", "50"))
LOGIN_THROTTLE_ACCOUNT_SECONDS = int(env("LOGIN_THROTTLE_ACCOUNT_SECONDS", "3600"))
LOGIN_THROTTLE_PER_ADDRESS = int(env("LOGIN_THROTTLE_PER_ADDRESS", "20"))
LOGIN_THROTTLE_SECONDS = int(env("LOGIN_THROTTLE_SECONDS", "300"))
# Wrong two-factor codes per account before code entry waits LOGIN_THROTTLE_SECONDS.
TWO_FACTOR_THROTTLE_PER_ACCOUNT = int(env("TWO_FACTOR_THROTTLE_PER_ACCOUNT", "5"))
# The proxies whose X-Forwarded-For additions are believed (mentoring.core.addresses): IP
# addresses or networks, and `unix` for a peer on a Unix socket (nginx in front of uvicorn's
# --uds). Empty: the connection's peer is the client and X-Forwarded-For is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    if _proxy.lower() != "unix":
        try:
            ipaddress.ip_network(_proxy, strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address") from error
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Staffroom <staffroom@localhost>")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list[Path] = []
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    # Documents get unguessable paths (config/storage.py).
    "default": {"BACKEND": "config.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Staffroom"
# Private pages send people to the site's sign-in (allauth: the lock and two-factor), never to
# Wagtail's own front-end login form (config/urls.py redirects that one too).
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# --- LTI 1.3 (mentoring/lti, docs/lti.md) -----------------------------------------------------
# The base of the URLs platforms are given (login, launch, key set): the site's public https
# origin, as the platform's browser and servers reach it. Defaults to the admin's base.
LTI_TOOL_BASE_URL = env("LTI_TOOL_BASE_URL", WAGTAILADMIN_BASE_URL).rstrip("/")
# A first launch links to an existing account with the same e-mail address only when this is
# on and that address is verified on the account (otherwise a new account is made).
LTI_LINK_BY_VERIFIED_EMAIL = env_bool("LTI_LINK_BY_VERIFIED_EMAIL", False)
# How long a superseded tool key stays in the key set after `manage.py lti_rotate_keys`.
LTI_KEY_OVERLAP_DAYS = int(env("LTI_KEY_OVERLAP_DAYS", "7"))
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Documents are only ever served by views that check who asks: Wagtail's own (scenario documents
# for editors only, scenarios/wagtail_hooks.py) and scenarios:document for members. Nothing under
# MEDIA_URL is served for documents. Behind nginx, set PRIVATE_MEDIA_ACCEL_REDIRECT to its
# `internal` location (e.g. /private-media/) and the checked view hands the sending to nginx
# with X-Accel-Redirect (scenarios/files.py).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
PRIVATE_MEDIA_ACCEL_REDIRECT = env("PRIVATE_MEDIA_ACCEL_REDIRECT", "")
# Attachments to posts (mentoring/boards/services/attachments.py): at most this many per post,
# each at most this large; images at most this many pixels (a decompression bomb is refused
# before it is decoded). The types allowed, by what the file is (sniffed, never its name).
POST_ATTACHMENT_MAX_BYTES = int(env("POST_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024)))
POST_ATTACHMENT_MAX_PIXELS = int(env("POST_ATTACHMENT_MAX_PIXELS", str(25_000_000)))
POST_ATTACHMENTS_PER_POST = int(env("POST_ATTACHMENTS_PER_POST", "4"))
POST_ATTACHMENT_TYPES = env(
    "POST_ATTACHMENT_TYPES",
    "image/jpeg,image/png,image/gif,image/webp,application/pdf,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.openxmlformats-officedocument.presentationml.presentation,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
).split(",")
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: the admin would send a hash of every editor's e-mail address to a third party
# (and load images from it, outside the Content-Security-Policy).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Debian's tzdata adds "localtime" (a link to the server's zone), which browsers reject: the
# admin's account page then throws while labelling the time-zone choices.
WAGTAIL_USER_TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime"})

# --- Staffroom ------------------------------------------------------------------------------
# Reads of the same thread by the same user closer together than this make one read event.
READ_EVENT_THROTTLE_SECONDS = int(env("READ_EVENT_THROTTLE_SECONDS", "300"))
NUDGE_COOLDOWN_DAYS = 7

# What `manage.py apply_retention` (daily, staffroom-retention.timer) deletes, and after how
# long; the privacy notice (/privacy/) quotes these numbers (docs/operations.md).
RETENTION_READ_EVENTS_MONTHS = int(env("RETENTION_READ_EVENTS_MONTHS", "12"))
RETENTION_READ_NOTIFICATIONS_DAYS = int(env("RETENTION_READ_NOTIFICATIONS_DAYS", "90"))
RETENTION_EXPIRED_INVITATIONS_DAYS = int(env("RETENTION_EXPIRED_INVITATIONS_DAYS", "90"))
RETENTION_ACCESS_LOG_DAYS = int(env("RETENTION_ACCESS_LOG_DAYS", "730"))
RETENTION_LOCAL_MAIL_DAYS = int(env("RETENTION_LOCAL_MAIL_DAYS", "14"))
# Unsent drafts of posts not touched for this long.
RETENTION_DRAFTS_DAYS = int(env("RETENTION_DRAFTS_DAYS", "30"))
# An archived cohort's personal data goes this long after archiving; its tutors are reminded
# RETENTION_ARCHIVED_COHORT_REMINDER_DAYS before.
RETENTION_ARCHIVED_COHORT_DAYS = int(env("RETENTION_ARCHIVED_COHORT_DAYS", "365"))
RETENTION_ARCHIVED_COHORT_REMINDER_DAYS = int(env("RETENTION_ARCHIVED_COHORT_REMINDER_DAYS", "30"))

# Per-user limits on writes (mentoring/core/ratelimit.py): "count/seconds" windows per action,
# a burst and a longer one; generous for people. RATE_LIMIT_<ACTION>="20/60,300/3600" overrides
# one, and an empty value switches that action's limit off.
RATE_LIMITS = {
    action: [rate for rate in env(f"RATE_LIMIT_{action.upper()}", default).split(",") if rate]
    for action, default in {
        "post": "20/60,300/3600",
        "flag": "20/600,100/86400",
        # Reactions (each one given; taking one back is free): a reader going down a thread
        # clicking "me too" is fine, a script is not.
        "react": "60/60,600/3600",
        # Watching/muting (one click each) and drafts (saved as one types, debounced).
        "watch": "30/60,300/3600",
        "draft": "30/60,900/3600",
        "nudge": "30/600,200/86400",
        "invite": "300/3600,2000/86400",
        # Each roster check or import, and each pasted list, whatever its size: a tutor fixing
        # a file retries a few times, a script looking up addresses is slowed down.
        "roster": "30/600,200/86400",
        # Failed (unknown) invitation, join and join-confirmation tokens per client address.
        "link": "20/600,100/86400",
        # Copies of one's own data (each builds a ZIP of everything in the background).
        "export": "3/3600,10/86400",
        # Attachments uploaded (each file, with a post or on its own through the API).
        "upload": "20/600,100/86400",
        # Refused LTI launches per client address (like sign-in failures): a platform's own
        # users never fail, a script replaying or forging id_tokens is held up.
        "lti": "20/600,100/86400",
    }.items()
}
# With Redis, one cache for every worker: the sign-in policy
# (mentoring.accounts.selectors.policy), the rate-limit and sign-in counters, allauth's limits
# and Wagtail's site paths are the same in each process, and saving the policy clears it
# everywhere. While Redis is unreachable, each process answers from its own memory (the "local"
# cache) instead of failing the request:
# config/cache.py for "default", mentoring/core/ratelimit.py for "ratelimit". Without Redis
# (one process), everything lives in this process's memory.
_REDIS_CACHE = {
    "BACKEND": "config.cache.RedisCacheWithFallback",
    "LOCATION": REDIS_URL,
    # A refused or silent Redis costs a request at most a second, not a hung worker.
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}
CACHES = {
    "default": _REDIS_CACHE
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "ratelimit": {**_REDIS_CACHE, "BACKEND": "django.core.cache.backends.redis.RedisCache"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
