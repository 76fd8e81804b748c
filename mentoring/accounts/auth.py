"""Who is calling: the API's bearer token or session (with CSRF), and the websocket handshake's
session cookie or ``Authorization: Bearer``. Each applies the sign-in policy's two-factor rule."""

from __future__ import annotations

from importlib import import_module
from urllib.parse import urlsplit

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from mentoring.accounts.selectors.policy import (
    must_set_up_two_factor,
    signed_in_through_sso,
    sso_counts_as_two_factor,
    who_must_set_up_two_factor,
)
from mentoring.accounts.services import throttle
from mentoring.accounts.services.tokens import live_tokens, user_for_token
from mentoring.core.addresses import client_address, scope_client_address
from mentoring.core.batching import Batched
from mentoring.core.errors import Forbidden, Invalid, RateLimited
from mentoring.core.validation import NUL_MESSAGE, has_nul

TWO_FACTOR_REQUIRED = (
    "Set up two-factor authentication (Your account → Two-factor authentication) before using "
    "the API: the sign-in policy requires it for staff and tutors."
)


def _allowed(user, session=None):
    """The sign-in policy reaches the API: staff and tutors who must set up two-factor and
    have not can do nothing here yet, as on the pages (403 ``two_factor_required``)."""
    if must_set_up_two_factor(user, through_sso=signed_in_through_sso(session)):
        raise Forbidden("two_factor_required", TWO_FACTOR_REQUIRED)
    return user


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` from ``manage.py create_api_token``."""

    def authenticate(self, request: HttpRequest, token: str):
        if has_nul(token):
            raise Invalid("invalid", NUL_MESSAGE)
        # A valid token always works. Invalid ones count per address like wrong passwords and,
        # once that address is locked, answer 429 instead of 401.
        user = user_for_token(token)
        if user is not None:
            request.user = user
            return _allowed(user)
        what = throttle.Attempt(address=client_address(request))
        wait = throttle.retry_after(what, throttle.TOKEN)
        if wait:
            raise RateLimited(
                "throttled",
                f"Too many invalid tokens from this address; try again in "
                f"{throttle.human_wait(wait)}.",
                retry_after=wait,
            )
        throttle.record_failure(what, throttle.TOKEN)
        return None


def _csrf_failure(request: HttpRequest) -> str | None:
    checker = CsrfViewMiddleware(lambda req: HttpResponse())
    checker.process_request(request)
    response = checker.process_view(request, lambda req: HttpResponse(), (), {})
    return None if response is None else "CSRF verification failed."


class SessionWithCsrfAuth(APIKeyCookie):
    """The browser's session; unsafe methods must carry the CSRF token as Django's forms do."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and _csrf_failure(request):
            raise Forbidden("csrf_failed", "CSRF verification failed.")
        return _allowed(user, getattr(request, "session", None))


def bearer_token(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


# --- The websocket handshake ------------------------------------------------------------------
# Each answer below is read for many handshakes at once (``Batched``: one database trip for the
# sockets that arrive together, nothing cached), so a crowd opening the board, or every socket
# reconnecting after a restart, costs a few queries per batch rather than several per socket.
def _tokens_for_handshakes(keys: list[tuple[str, str]]) -> dict:
    """(key, address) → the live token with this key; a bad one counts against the address,
    as on the API (a valid one is never refused for them)."""
    found = live_tokens([key for key, _ in keys if "\x00" not in key])
    for key, address in keys:
        if key not in found:
            throttle.record_failure(throttle.Attempt(address=address), throttle.TOKEN)
    return {(key, address): found[key] for key, address in keys if key in found}


_token_for_handshake = Batched(_tokens_for_handshakes)


def _two_factor_missing(keys: list[tuple]) -> dict:
    """(user, signed in through SSO) → whether they must set up two-factor first; an identity
    provider's sign-in counts as its own second factor when the policy says so."""
    sso_counts = any(through_sso for _, through_sso in keys) and sso_counts_as_two_factor()
    checked = [user for user, through_sso in keys if not (through_sso and sso_counts)]
    missing = who_must_set_up_two_factor(checked)
    return {
        (user, through_sso): user.pk in missing and not (through_sso and sso_counts)
        for user, through_sso in keys
    }


_must_set_up_two_factor = Batched(_two_factor_missing, default=False)


def _session_users(keys: list[str]) -> dict:
    """Session key → (the session's data, its user or None), for the sessions that exist and
    have not expired: one query for the sessions and one for their users. The same rules as
    Channels' ``get_user`` (a backend from AUTHENTICATION_BACKENDS, an active user); the
    session's auth hash is checked by the caller."""
    from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

    from mentoring.models import User

    engine = import_module(settings.SESSION_ENGINE)
    data: dict[str, dict] = {}
    if issubclass(engine.SessionStore, DatabaseStore) and not hasattr(
        engine.SessionStore, "cache_key_prefix"
    ):
        model = engine.SessionStore.get_model_class()
        decoder = engine.SessionStore()
        rows = model.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        for key, text in rows.values_list("session_key", "session_data"):
            data[key] = decoder.decode(text)
    else:  # another engine: each session as it loads itself, still in one trip
        for key in keys:
            store = engine.SessionStore(key)
            loaded = store.load()
            if store.session_key:
                data[key] = loaded
    wanted: dict[str, object] = {}
    for key, session in data.items():
        backend = session.get(BACKEND_SESSION_KEY)
        if SESSION_KEY in session and backend in settings.AUTHENTICATION_BACKENDS:
            wanted[key] = User._meta.pk.to_python(session[SESSION_KEY])
    users = User._default_manager.in_bulk(set(wanted.values()))
    result = {}
    for key, session in data.items():
        user = None
        if key in wanted:
            backend = import_string(session[BACKEND_SESSION_KEY])
            if isinstance(backend, type) and issubclass(backend, ModelBackend):
                user = users.get(wanted[key])
                if user is not None and not backend().user_can_authenticate(user):
                    user = None
            else:
                user = backend().get_user(wanted[key])
        result[key] = (session, user)
    return result


_session_user = Batched(_session_users)


class SessionUserMiddleware(AuthMiddleware):
    """Channels' ``AuthMiddleware`` (the session's user, its auth hash checked), with the
    sessions of many handshakes read together; a handshake with a bearer token leaves the
    user to ``TokenAuthMiddleware`` and reads no session."""

    async def resolve_scope(self, scope):
        session = scope["session"]
        key = session.session_key
        if bearer_token(scope) is not None or not key:
            scope["user"]._wrapped = AnonymousUser()
            return
        found = await _session_user(key)
        if found is None:  # expired or unknown: as SessionStore.load() leaves it
            session._session_cache = {}
            session._session_key = None
            scope["user"]._wrapped = AnonymousUser()
            return
        data, user = found
        session._session_cache = dict(data)
        if user is not None and hasattr(user, "get_session_auth_hash"):
            session_hash = data.get(HASH_SESSION_KEY)
            if not (
                session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())
            ):
                await database_sync_to_async(session.flush)()
                user = None
        scope["user"]._wrapped = user or AnonymousUser()


class TokenAuthMiddleware:
    """Let a bearer token decide who is connected; otherwise the session does. A staff member
    or tutor the sign-in policy requires to set up two-factor is refused (4403) until they have,
    whichever way they came, as on the pages and the API."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        token = bearer_token(scope)
        if token is not None:
            found = await _token_for_handshake((token, scope_client_address(scope)))
            # The token's id lets its revocation close this socket (mentoring.realtime.hub).
            scope = dict(
                scope,
                user=found.user if found is not None else AnonymousUser(),
                auth_token_id=found.pk if found is not None else None,
            )
        user = scope.get("user")
        if (
            scope["type"] == "websocket"
            and user is not None
            and user.is_authenticated
            and await _must_set_up_two_factor(
                (user, token is None and signed_in_through_sso(scope.get("session")))
            )
        ):
            return await close_with_4403(receive, send)
        return await self.inner(scope, receive, send)


def StaffroomAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' own stacks
    return CookieMiddleware(SessionMiddleware(SessionUserMiddleware(TokenAuthMiddleware(inner))))


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _origin_key(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, the port made explicit; None if it is not one."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _own_origin(scope) -> str | None:
    """The origin of the page that may open this socket: the socket's own scheme and Host, the
    Host being one of ALLOWED_HOSTS (as Django's CSRF check does for forms)."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    secure = scope.get("scheme") in {"wss", "https"}
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, value = proxy_header
        header = name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin1")
        forwarded = _header(scope, header)
        if forwarded is not None:
            secure = forwarded.split(",", 1)[0].strip() == value
    return f"{'https' if secure else 'http'}://{host}"


def origin_allowed(scope, origin: str) -> bool:
    """The full origin (scheme, host, port) must be the socket's own or a trusted one
    (CSRF_TRUSTED_ORIGINS, where ``https://*.example.org`` covers subdomains)."""
    key = _origin_key(origin)
    if key is None:
        return False
    own = _own_origin(scope)
    if own is not None and _origin_key(own) == key:
        return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "://*." in trusted:
            scheme, _, rest = trusted.partition("://*.")
            trusted_key = _origin_key(f"{scheme}://{rest}")
            if (
                trusted_key is not None
                and (key[0], key[2]) == (trusted_key[0], trusted_key[2])
                and key[1].endswith("." + trusted_key[1])
            ):
                return True
        elif _origin_key(trusted) == key:
            return True
    return False


async def close_with_4403(receive, send) -> None:
    """Refuse a handshake as the public surface (docs/api.md) says: accept, then close with code
    4403 (a browser only ever sees the close code, never an HTTP status)."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4403})


class BrowserOriginValidator:
    """Refuse cross-site websocket handshakes that would ride on a session cookie.

    A browser always sends ``Origin``; it must be the socket's own origin or a trusted one,
    compared in full (scheme, host and port: ``http://staffroom.example.org`` or port 8443 is
    not ``https://staffroom.example.org``). Refusals close with 4403. A client without an Origin
    header is not a browser page; it may connect, but only a bearer token can make it anyone
    (without one it is anonymous and every consumer refuses it).
    """

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.application(scope, receive, send)
        origin = _header(scope, b"origin")
        if origin is None:
            if bearer_token(scope) is None:
                # No origin and no token: drop any session cookie so it cannot authenticate.
                headers = [(n, v) for n, v in scope.get("headers", []) if n != b"cookie"]
                scope = dict(scope, headers=headers)
            return await self.application(scope, receive, send)
        if not origin_allowed(scope, origin):
            return await close_with_4403(receive, send)
        return await self.application(scope, receive, send)
