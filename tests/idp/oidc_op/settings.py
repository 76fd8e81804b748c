"""An OpenID Connect provider (django-oidc-provider) standing in for a school's Microsoft 365
or Google Workspace in the tests."""

import os

from tests.idp.common_settings import *  # noqa: F403
from tests.idp.common_settings import IDP_URL, templates

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oidc_provider",
]
ROOT_URLCONF = "tests.idp.oidc_op.urls"
TEMPLATES = templates(os.path.dirname(__file__))
# Staffroom runs on the same host in the tests: cookies do not tell ports apart.
SESSION_COOKIE_NAME = "oidc_op_session"
CSRF_COOKIE_NAME = "oidc_op_csrf"
SITE_URL = IDP_URL
OIDC_USERINFO = "tests.idp.oidc_op.claims.userinfo"
OIDC_IDTOKEN_INCLUDE_CLAIMS = True
