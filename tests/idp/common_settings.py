"""What the two test identity providers share: each is a small Django project of its own,
run as a subprocess by ``tests.idp.harness`` with a throwaway PostgreSQL database of its own
on the project's server (these are stand-ins for a university's or a school's servers, not
Staffroom; PostgreSQL is the only database here)."""

import os

SECRET_KEY = "test-identity-provider-only"
DEBUG = True
ALLOWED_HOSTS = ["*"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["IDP_DB_NAME"],
        "HOST": os.environ.get("IDP_DB_HOST", ""),
        "PORT": os.environ.get("IDP_DB_PORT", ""),
        "USER": os.environ.get("IDP_DB_USER", ""),
        "PASSWORD": os.environ.get("IDP_DB_PASSWORD", ""),
    }
}
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/login/"
IDP_URL = os.environ.get("IDP_URL", "http://localhost:8000")
LOGGING = {"version": 1, "disable_existing_loggers": False}


def templates(here: str) -> list[dict]:
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [os.path.join(here, "templates")],
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ]
            },
        }
    ]
