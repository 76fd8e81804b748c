"""The shared cache (config/cache.py): Redis for every worker, this process's memory while Redis
is unreachable, so an outage never turns a page view into a 500."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from mentoring.accounts.selectors.policy import two_factor_required_for_staff_and_tutors
from mentoring.models import SignInPolicy

# Nothing listens on port 1: every call to this Redis fails to connect.
UNREACHABLE_REDIS = {
    "BACKEND": "config.cache.RedisCacheWithFallback",
    "LOCATION": "redis://127.0.0.1:1/0",
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": UNREACHABLE_REDIS,
        "ratelimit": UNREACHABLE_REDIS,
    }
    yield
    caches["local"].clear()


def test_every_cache_call_falls_back_to_this_process(redis_down):
    cache = caches["default"]
    assert cache.add("a", 1) is True
    assert cache.get("a") == 1 and cache.has_key("a")
    assert cache.incr("a", 2) == 3 and cache.decr("a") == 2
    cache.set_many({"b": 1, "c": 2})
    assert cache.get_many(["b", "c"]) == {"b": 1, "c": 2}
    assert cache.get_or_set("d", "new") == "new"
    assert cache.touch("d", 10) is True
    cache.delete("d")
    cache.delete_many(["b", "c"])
    assert cache.get("d") is None and cache.get("b") is None
    assert caches["local"].get("a") == 2
    cache.clear()
    assert caches["local"].get("a") is None


@pytest.mark.django_db
def test_the_sign_in_policy_is_read_and_saved_while_redis_is_down(redis_down, members):
    assert two_factor_required_for_staff_and_tutors() is False
    SignInPolicy(require_two_factor_for_staff_and_tutors=True).save()
    assert two_factor_required_for_staff_and_tutors() is True


@pytest.mark.django_db
def test_pages_answer_while_redis_is_down(redis_down, client: Client, members, wagtail_root):
    client.force_login(members[0])
    assert client.get("/").status_code == 200
