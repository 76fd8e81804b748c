"""Websocket authentication: the session cookie, or ``Authorization: Bearer`` on the handshake."""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings


def bearer_token(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


@database_sync_to_async
def _live_token(key: str):
    from mentoring.accounts.tokens import live_token

    return live_token(key)


class TokenAuthMiddleware:
    """Let a bearer token decide who is connected; otherwise the session does."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        token = bearer_token(scope)
        if token is not None:
            from django.contrib.auth.models import AnonymousUser

            found = await _live_token(token)
            # The token's id lets its revocation close this socket (mentoring.realtime.hub).
            scope = dict(
                scope,
                user=found.user if found is not None else AnonymousUser(),
                auth_token_id=found.pk if found is not None else None,
            )
        return await self.inner(scope, receive, send)


def StaffroomAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' own stacks
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))


class BrowserOriginValidator(OriginValidator):
    """Refuse cross-site websocket handshakes that would ride on a session cookie.

    A browser always sends ``Origin``, and it must be one of ALLOWED_HOSTS. A client without an
    Origin header is not a browser page; it may connect, but only a bearer token can make it
    anyone (without one it is anonymous and every consumer refuses it).
    """

    def __init__(self, application):
        super().__init__(application, settings.ALLOWED_HOSTS)

    async def __call__(self, scope, receive, send):
        has_origin = any(name == b"origin" for name, _ in scope.get("headers", []))
        if not has_origin:
            if bearer_token(scope) is None:
                # No origin and no token: drop any session cookie so it cannot authenticate.
                headers = [(n, v) for n, v in scope.get("headers", []) if n != b"cookie"]
                scope = dict(scope, headers=headers)
            return await self.application(scope, receive, send)
        return await super().__call__(scope, receive, send)
