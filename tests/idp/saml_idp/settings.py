"""A SAML 2.0 identity provider (djangosaml2idp on pysaml2) standing in for a university's
(or a federation member's) in the tests. Its signing key is made by ``setup``."""

import os

import saml2
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_UNSPECIFIED

from tests.idp.common_settings import *  # noqa: F403
from tests.idp.common_settings import IDP_URL, templates

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "djangosaml2idp",
]
ROOT_URLCONF = "tests.idp.saml_idp.urls"
MIDDLEWARE = [*MIDDLEWARE, "tests.idp.saml_idp.middleware.FreshServiceProviders"]  # noqa: F405
TEMPLATES = templates(os.path.dirname(__file__))
SESSION_COOKIE_NAME = "saml_idp_session"
CSRF_COOKIE_NAME = "saml_idp_csrf"
IDP_DIR = os.environ.get("IDP_DIR", "/tmp")
SAML_IDP_FALLBACK_EXPIRATION_DAYS = 30
SAML_IDP_CONFIG = {
    "debug": True,
    "xmlsec_binary": "/usr/bin/xmlsec1",
    "entityid": f"{IDP_URL}/idp/metadata/",
    "description": "Test university identity provider",
    "service": {
        "idp": {
            "name": "Test University",
            "endpoints": {
                "single_sign_on_service": [
                    (f"{IDP_URL}/idp/sso/post/", saml2.BINDING_HTTP_POST),
                    (f"{IDP_URL}/idp/sso/redirect/", saml2.BINDING_HTTP_REDIRECT),
                ],
                "single_logout_service": [
                    (f"{IDP_URL}/idp/slo/post/", saml2.BINDING_HTTP_POST),
                    (f"{IDP_URL}/idp/slo/redirect/", saml2.BINDING_HTTP_REDIRECT),
                ],
            },
            "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_UNSPECIFIED],
            "sign_response": True,
            "sign_assertion": True,
            "want_authn_requests_signed": False,
        }
    },
    "key_file": os.path.join(IDP_DIR, "idp.key"),
    "cert_file": os.path.join(IDP_DIR, "idp.pem"),
    "encryption_keypairs": [
        {
            "key_file": os.path.join(IDP_DIR, "idp.key"),
            "cert_file": os.path.join(IDP_DIR, "idp.pem"),
        }
    ],
    "valid_for": 24 * 365,
}
