"""The shared cache: Django's Redis cache, answering from this process's memory while Redis is
unreachable.

Every worker shares it (the sign-in policy, allauth's limits, Wagtail's site paths, cached
charts), so a change made through one worker is seen by all. A Redis outage must not turn page
views into 500s: while a call cannot reach Redis, it goes to the ``local`` cache (this process's
memory) and a warning is logged at most once a minute. Values written during the outage stay
in that process; when Redis answers again, it is the one read (entries it held from before the
outage expire with their own timeouts, e.g. a minute for the sign-in policy).
"""

from __future__ import annotations

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
FALLBACK_ALIAS = "local"
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 60


def _with_fallback(name: str):
    redis_method = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        try:
            return redis_method(self, *args, **kwargs)
        except UNREACHABLE as error:
            self._warn(error)
            return getattr(caches[FALLBACK_ALIAS], name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


class RedisCacheWithFallback(RedisCache):
    """``django.core.cache.backends.redis.RedisCache``; while Redis cannot be reached, the
    ``local`` cache answers instead (see the module's docstring)."""

    _warned_at = float("-inf")

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning("shared cache unreachable (%s); using this process's memory", error)


# Every call that reaches Redis (get_or_set, decr and the async variants go through these).
for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(RedisCacheWithFallback, _name, _with_fallback(_name))
