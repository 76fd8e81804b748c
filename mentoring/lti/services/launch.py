"""Validating a launch: PyLTI1p3 does the OIDC and JWT work; this module adds what it leaves
out and names the check that failed.

PyLTI1p3 checks the state, the token's format, that the nonce was issued by our login step,
the registration (issuer and client id), the signature (the platform's key set, by ``kid``),
``exp``/``iat`` (PyJWT), the deployment id and the message (type, version, ``sub``, roles,
resource link). On top of it, here:

- only asymmetric algorithms (``alg: none`` and HS256 signed with the public key as the secret
  are refused before any key is looked up);
- ``aud`` must hold our client id, and ``azp`` must be it when there are several audiences;
- a ``kid`` missing from the cached key set fetches the platform's key set once more (it
  rotated its keys);
- unknown deployments are refused (django-lti would create them);
- each nonce is accepted once (PyLTI1p3 only checks it was issued): a replayed ``id_token``
  is refused;
- a deep-linking *response* sent to the tool is refused: responses go the other way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from lti_tool.models import LtiDeployment, LtiLaunch, LtiRegistration
from lti_tool.utils import DjangoToolConfig, get_launch_from_request
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException

from mentoring.core.errors import Forbidden
from mentoring.lti.services.platform_http import PlatformSession
from mentoring.models import LtiNonce

logger = logging.getLogger("mentoring.lti")

ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
KEY_SET_CACHE_SECONDS = 3600


class LaunchRefused(Forbidden):
    """A launch (or login initiation) that failed a check: ``check`` names which."""

    def __init__(self, check: str, detail: str):
        super().__init__("lti_" + check, detail, check=check)
        self.check = check


# PyLTI1p3's own messages → the check they mean (the first that matches a prefix).
_LIBRARY_CHECKS = [
    ("Missing state param", "state", "The launch came without its state."),
    ("State not found", "state", "The launch's state does not match this browser's login."),
    ("Missing id_token", "token", "The launch came without an id_token."),
    ("Invalid id_token", "token", "The id_token is not a JWT."),
    ("Invalid JWT format", "token", "The id_token cannot be decoded."),
    ('"nonce" is empty', "nonce", "The id_token has no nonce."),
    ("Invalid Nonce", "nonce", "The id_token's nonce was not issued by this tool's login."),
    ('"iss" is empty', "issuer", "The id_token names no issuer."),
    ("Registration not found", "issuer", "The platform (issuer) is not registered here."),
    ("Client id not registered", "audience", "The id_token is not meant for this tool."),
    ("JWT KID not found", "signature", "The id_token names no signing key (kid)."),
    ("JWT ALG not found", "algorithm", "The id_token names no algorithm."),
    ("Unable to find public key", "signature", "The platform has no key the token names."),
    ("Can't decode id_token: Signature has expired", "expired", "The id_token has expired."),
    (
        "Can't decode id_token: The token is not yet valid",
        "issued_at",
        "The id_token is not valid yet.",
    ),
    (
        "Can't decode id_token: Token is missing the",
        "token",
        "The id_token lacks a required claim.",
    ),
    (
        "Can't decode id_token: Signature verification",
        "signature",
        "The id_token's signature is wrong.",
    ),
    ("Can't decode id_token", "signature", "The id_token's signature cannot be verified."),
    ("deployment_id is not set", "deployment", "The id_token names no deployment."),
    ("Unable to find deployment", "deployment", "This deployment is not registered here."),
    ("Must have a user (sub)", "sub", "The id_token names no user (sub)."),
    ("Incorrect version", "version", "The launch is not LTI 1.3.0."),
    ("Missing Roles Claim", "roles", "The launch has no roles."),
    ("Missing Resource Link Id", "resource_link", "The launch names no resource link."),
    ("Missing Deep Linking", "deep_linking", "The deep-linking request has no settings."),
    ("Must support resource link", "deep_linking", "The platform accepts no links."),
    ("Must support a presentation", "deep_linking", "The platform accepts no presentation."),
    ("Invalid message type", "message_type", "The launch has no message type."),
    ("Unrecognized message type", "message_type", "The launch's message type is unknown here."),
    ("Error during fetch URL", "platform_keys", "The platform's key set cannot be fetched."),
    ("Invalid response from", "platform_keys", "The platform's key set is not JSON."),
    ("Invalid URL", "platform_keys", "The platform's key-set URL is not a URL."),
    ("Launch data not found", "launch", "This launch is over: launch again from the platform."),
    ("Could not find issuer", "issuer", "The login names no issuer."),
    ("Could not find login hint", "login_hint", "The login has no login hint."),
    ("Could not find registration", "issuer", "The platform (issuer) is not registered here."),
    ("No launch URL", "target_link_uri", "The login names no target."),
]


def refusal_from(error: Exception) -> LaunchRefused:
    if isinstance(error, LaunchRefused):
        return error
    message = str(error)
    for prefix, check, detail in _LIBRARY_CHECKS:
        if message.startswith(prefix):
            return LaunchRefused(check, detail)
    return LaunchRefused("launch", "The launch could not be validated.")


class ToolConfig(DjangoToolConfig):
    """django-lti's configuration, refusing deployments nobody registered (it would create
    them) and inactive ones."""

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        lookups = {
            "registration__issuer": iss,
            "registration__is_active": True,
            "deployment_id": deployment_id,
            "is_active": True,
        }
        if client_id is not None:
            lookups["registration__client_id"] = client_id
        self.deployment = LtiDeployment.objects.filter(**lookups).first()
        if self.deployment is None:
            return None
        from pylti1p3.deployment import Deployment

        return Deployment().set_deployment_id(self.deployment.deployment_id)


class MessageLaunch(DjangoMessageLaunch):
    """PyLTI1p3's launch with the checks of this module's docstring."""

    _refetched = False
    _force_fetch = False
    state_checked_by_platform_storage = False

    def __init__(self, request, tool_config, **kwargs):
        super().__init__(request, tool_config, **kwargs)
        self.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})
        self.set_public_key_caching(DjangoCacheDataStorage(), KEY_SET_CACHE_SECONDS)

    def validate(self):
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        try:
            return (
                self.validate_state()
                .validate_jwt_format()
                .validate_nonce()
                .validate_registration()
                .validate_jwt_signature()
                .validate_deployment()
                .validate_message()
                .use_nonce()
                .save_launch_data()
            )
        except Exception:
            self._validated = False
            raise

    def validate_state(self):
        try:
            return super().validate_state()
        except LtiException as error:
            if self.state_checked_by_platform_storage and str(error) == "State not found":
                return self
            raise

    def validate_jwt_format(self):
        super().validate_jwt_format()
        alg = self._jwt.get("header", {}).get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise LaunchRefused(
                "algorithm", f"The id_token's algorithm ({alg!s:.20}) is not accepted."
            )
        if self._jwt.get("body", {}).get(MESSAGE_TYPE) == "LtiDeepLinkingResponse":
            raise LaunchRefused(
                "unrequested_deep_linking_response",
                "A deep-linking response was sent to the tool: it never requested one.",
            )
        return self

    def validate_registration(self):
        body = self._jwt.get("body", {})
        iss, aud = body.get("iss"), body.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if (
            iss
            and LtiRegistration.objects.active().filter(issuer=iss).exists()
            and not LtiRegistration.objects.active()
            .filter(issuer=iss, client_id__in=[a for a in audiences if isinstance(a, str)])
            .exists()
        ):
            raise LaunchRefused("audience", "The id_token is not meant for this tool (aud).")
        super().validate_registration()
        client_id = self._registration.get_client_id()
        if client_id not in audiences:
            raise LaunchRefused("audience", "The id_token is not meant for this tool (aud).")
        if len(audiences) > 1 and body.get("azp") != client_id:
            raise LaunchRefused("audience", "The id_token's authorized party (azp) is not us.")
        return self

    def fetch_public_key(self, key_set_url):
        if self._force_fetch:
            storage, self._public_key_cache_data_storage = self._public_key_cache_data_storage, None
            try:
                key_set = super().fetch_public_key(key_set_url)
            finally:
                self._public_key_cache_data_storage = storage
            self._force_fetch = False
            # Cached again for the next launches.
            return self._cache_key_set(key_set_url, key_set)
        return super().fetch_public_key(key_set_url)

    def _cache_key_set(self, key_set_url, key_set):
        import hashlib

        from pylti1p3.launch_data_storage.base import DisableSessionId

        storage = self._public_key_cache_data_storage
        if storage is not None:
            cache_key = "key-set-url-" + hashlib.md5(key_set_url.encode("utf-8")).hexdigest()
            with DisableSessionId(storage):
                storage.set_value(cache_key, key_set, self._public_key_cache_lifetime)
        return key_set

    def get_public_key(self):
        try:
            return super().get_public_key()
        except LtiException as error:
            if self._refetched or not str(error).startswith("Unable to find public key"):
                raise
        # An unknown kid: the platform may have rotated its keys since we cached them.
        self._refetched = True
        self._force_fetch = True
        self._registration.set_key_set(None)
        return super().get_public_key()

    def use_nonce(self):
        body = self._jwt["body"]
        expires = datetime.fromtimestamp(int(body["exp"]), tz=UTC)
        try:
            with transaction.atomic():
                LtiNonce.objects.create(
                    issuer=body["iss"][:255],
                    nonce=str(body["nonce"])[:255],
                    expires_at=max(expires, timezone.now()) + timedelta(minutes=5),
                )
        except IntegrityError as error:
            raise LaunchRefused(
                "replayed", "This id_token was used already: launch again from the platform."
            ) from error
        return self


class SharedCacheDataStorage(DjangoCacheDataStorage):
    """PyLTI1p3's cache storage without its per-browser cookie (``lti1p3-session-id``), which a
    browser blocking third-party cookies never sends inside the platform's iframe. Its keys
    (nonces, states, launch ids) are long random values only this tool hands out; launch ids
    stay in the Django session, never in a page."""

    def get_session_cookie_name(self):
        return None


def _storage() -> DjangoCacheDataStorage:
    return SharedCacheDataStorage()


@dataclass
class LoginStart:
    """A validated login initiation: where to send the browser, with the state and nonce."""

    auth_url: str
    state: str
    nonce: str
    _oidc: DjangoOIDCLogin

    def set_cookies(self, response):
        """PyLTI1p3's state cookie on ``response``."""
        self._oidc._cookie_service.update_response(response)
        return response


def start_login(request, *, redirect_uri: str) -> LoginStart:
    """(``request``: the Django request, which PyLTI1p3 reads and answers cookies on.)

    The OIDC login initiation (state and nonce issued); ``LaunchRefused`` if the platform
    or its parameters are not ours."""
    try:
        oidc = DjangoOIDCLogin(request, ToolConfig(), launch_data_storage=_storage())
        url = oidc.get_redirect_object(redirect_uri).get_redirect_url()
    except (LtiException, OIDCException) as error:
        raise refusal_from(error) from error
    query = parse_qs(urlsplit(url).query)
    return LoginStart(url, query["state"][0], query["nonce"][0], oidc)


# --- LTI client-side storage (postMessage lti.put_data / lti.get_data) -----------------------
# Where the platform offers it (``lti_storage_target`` at login), the state is kept in the
# platform's frame instead of a cookie: the login page puts it there, and a launch that arrives
# without the state cookie is answered by a page that reads it back and, when it matches, posts
# the launch again marked ``lti_storage_checked``. Only states issued for storage are accepted
# that way, once each.
STORAGE_STATE_SECONDS = 600


def remember_storage_state(state: str, *, origin: str, target: str) -> None:
    """The login put ``state`` in the platform's storage (``target`` frame, at ``origin``)."""
    cache.set(
        f"lti-storage-state:{state}", {"origin": origin, "target": target}, STORAGE_STATE_SECONDS
    )


def storage_for(state: str | None) -> dict | None:
    """Where a storage login kept ``state`` (origin and target frame); None for others."""
    return cache.get(f"lti-storage-state:{state}") if state else None


def _take_storage_state(state: str | None) -> bool:
    if not state:
        return False
    key = f"lti-storage-state:{state}"
    found = cache.get(key) is not None
    cache.delete(key)
    return found


def validate_launch(request, *, storage_checked: bool = False) -> LtiLaunch:
    """The launch the request carries, validated completely; ``LaunchRefused`` otherwise.
    ``storage_checked``: the page read the state back from the platform's storage."""
    try:
        message_launch = MessageLaunch(
            request,
            ToolConfig(),
            launch_data_storage=_storage(),
            requests_session=PlatformSession(),  # the key set fetch, bounded in time
        )
        if storage_checked and _take_storage_state(request.POST.get("state")):
            message_launch.state_checked_by_platform_storage = True
        message_launch.validate()
    except (LtiException, OIDCException, LaunchRefused) as error:
        raise refusal_from(error) from error
    except (KeyError, TypeError, ValueError) as error:
        # A token whose claims have the wrong shape (exp not a number, aud an object…).
        raise LaunchRefused("token", "The id_token's claims are malformed.") from error
    return LtiLaunch(message_launch)


def restore_launch(request, launch_id: str) -> LtiLaunch | None:
    """A launch validated earlier in this session (its data cached), or None."""
    try:
        return get_launch_from_request(request, launch_id)
    except (LtiException, OIDCException):
        return None


def forget_used_nonces(*, now: datetime | None = None) -> int:
    """Drop nonces whose tokens have expired (they can no longer be replayed anyway)."""
    deleted, _ = LtiNonce.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
