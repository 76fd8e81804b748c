"""API tokens: only their hash is stored; revocable."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from mentoring.models import ApiToken, User
from mentoring.realtime import events


@transaction.atomic
def create_api_token(*, user: User, name: str = "") -> str:
    """Create a token for ``user`` and return the key. It is shown once and never stored."""
    key = ApiToken.generate_key()
    ApiToken.objects.create(
        user=user, name=name, prefix=key[: ApiToken.PREFIX_LENGTH], key_hash=ApiToken.hash_key(key)
    )
    return key


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> None:
    """Revoke the token; sockets opened with it close at once (4403)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    events.token_revoked(token_id=token.pk)


def user_for_token(key: str) -> User | None:
    """The active user a live token belongs to, or None."""
    token = live_token(key)
    return token.user if token is not None else None


def live_token(key: str) -> ApiToken | None:
    """The unrevoked token of an active user with this key (its ``user`` loaded), or None."""
    return live_tokens([key]).get(key)


def live_tokens(keys: list[str]) -> dict[str, ApiToken]:
    """``live_token`` for many keys at once (a crowd of websocket handshakes): one query, and
    one update of ``last_used_at`` for those not marked in the last minute. Keys that match no
    live token are left out."""
    hashes = {ApiToken.hash_key(key): key for key in keys if key}
    if not hashes:
        return {}
    tokens = list(
        ApiToken.objects.select_related("user").filter(
            key_hash__in=list(hashes), revoked_at__isnull=True, user__is_active=True
        )
    )
    now = timezone.now()
    # Writing on every request would cost a row lock per call; a minute's precision is enough.
    stale = [
        t.pk
        for t in tokens
        if t.last_used_at is None or (now - t.last_used_at).total_seconds() > 60
    ]
    if stale:
        ApiToken.objects.filter(pk__in=stale).update(last_used_at=now)
    return {hashes[t.key_hash]: t for t in tokens}
