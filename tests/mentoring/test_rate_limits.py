"""Writes are throttled, not stopped: per-user limits on posting, flagging and nudging."""

from __future__ import annotations

import pytest
from django.test import Client

from mentoring.boards.services import posts as services
from mentoring.core import ratelimit
from mentoring.core.ratelimit import RateLimited, check_rate
from mentoring.models import Board, Post, PostFlag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings, monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: 7_200_030.0)  # 30 s into a minute
    settings.RATE_LIMITS = {
        "post": ["3/60", "5/3600"],
        "flag": ["2/600"],
        "nudge": ["1/600"],
        "invite": ["10/3600"],
    }
    ratelimit.shared_cache.clear()
    yield settings.RATE_LIMITS
    ratelimit.shared_cache.clear()


@pytest.fixture
def thread(cohort, members):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    return services.create_thread(board=board, author=members[0], title="T", body="first")


def test_the_limiter_counts_per_user_and_window_and_says_when_to_retry(members):
    a, b = members[0], members[1]
    for _ in range(10):
        check_rate("invite", user=a, now=1000.0)
    with pytest.raises(RateLimited) as refused:
        check_rate("invite", user=a, now=1000.0)
    assert refused.value.code == "rate_limited"
    assert refused.value.retry_after == 2600  # until the hour's window ends (3600 - 1000)
    check_rate("invite", user=b, now=1000.0)  # someone else is not affected
    check_rate("invite", user=a, now=3600.0)  # a new window
    with pytest.raises(RateLimited):
        check_rate("invite", user=b, cost=10, now=1000.0)  # a bulk action costs its size


def test_posting_too_fast_answers_429_with_retry_after(api, thread, members):
    client = api(members[0])  # already one post (the thread's first) in this minute
    for i in range(2):
        response = client.post(f"/api/v1/threads/{thread.pk}/posts", {"body": f"reply {i}"})
        assert response.status_code == 201
    refused = client.post(f"/api/v1/threads/{thread.pk}/posts", {"body": "one too many"})
    assert refused.status_code == 429
    assert refused.data["code"] == "rate_limited" and "wait" in refused.data["detail"]
    assert refused.headers["Retry-After"] == "30"  # the rest of this minute
    assert not Post.objects.filter(body="one too many").exists()
    # Another member still posts.
    other = api(members[1]).post(f"/api/v1/threads/{thread.pk}/posts", {"body": "hello"})
    assert other.status_code == 201


def test_the_thread_page_says_so_in_the_form(thread, members):
    client = Client()
    client.force_login(members[0])
    for i in range(2):
        assert client.post(f"/threads/{thread.pk}/", {"body": f"p{i}"}).status_code == 302
    page = client.post(f"/threads/{thread.pk}/", {"body": "again"})
    # As in the API and on the roster page: 429 and how long to wait, the words in the form.
    assert page.status_code == 429 and page["Retry-After"] == "30"
    assert "faster than Staffroom allows" in page.content.decode()
    assert not Post.objects.filter(body="again").exists()


def test_flagging_is_limited(api, thread, members):
    for i in range(3):
        services.create_post(thread=thread, author=members[1], body=f"b{i}")
    posts = list(Post.objects.filter(thread=thread, author=members[1]))
    client = api(members[2])
    assert client.post(f"/api/v1/posts/{posts[0].pk}/flags", {}).status_code == 201
    assert client.post(f"/api/v1/posts/{posts[1].pk}/flags", {}).status_code == 201
    refused = client.post(f"/api/v1/posts/{posts[2].pk}/flags", {})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert PostFlag.objects.count() == 2


def test_nudging_is_limited(api, cohort, tutor, members):
    client = api(tutor)
    path = f"/api/v1/cohorts/{cohort.pk}/nudges"
    first = client.post(path, {"user_ids": [members[0].pk], "message": "Hello {name}"})
    assert first.status_code == 201
    refused = client.post(path, {"user_ids": [members[1].pk], "message": "Hello {name}"})
    assert refused.status_code == 429 and refused.data["code"] == "rate_limited"


def test_an_empty_setting_switches_a_limit_off(settings, members):
    settings.RATE_LIMITS = {"post": []}
    for _ in range(100):
        check_rate("post", user=members[0])


def test_with_the_shared_cache_down_writes_go_on_and_are_limited_per_process(
    api, thread, members, settings
):
    settings.CACHES = {
        **settings.CACHES,
        # Nothing listens on port 1: every call to the shared cache fails to connect.
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    ratelimit.shared_cache.clear()
    client = api(members[1])
    url = f"/api/v1/threads/{thread.pk}/posts"
    assert [client.post(url, {"body": f"n{i}"}).status_code for i in range(3)] == [201] * 3
    refused = client.post(url, {"body": "one too many"})
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    ratelimit.shared_cache.clear()


def _prompts(count: int, *, start=None) -> list[dict]:
    from datetime import timedelta

    from django.utils import timezone

    start = start or timezone.now() + timedelta(days=1)
    return [
        {
            "title": f"Week {i + 1}: {'a long prompt title ' * 5}"[:200],
            "body": "What did you try this week, and what happened?",
            "publish_at": (start + timedelta(weeks=i)).isoformat(),
        }
        for i in range(count)
    ]


def test_a_term_of_52_scheduled_prompts_is_one_posting_action(api, cohort, tutor, monkeypatch):
    """The schema allows 52 prompts; each used to count as a post, so 21 or more always
    answered 429 (and the refused try used up the tutor's budget)."""
    from mentoring.models import Thread

    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    client = api(tutor)
    url = f"/api/v1/boards/{board.pk}/scheduled-threads"
    created = client.post(url, {"prompts": _prompts(52)})
    assert created.status_code == 201, created.data
    assert len(created.data) == 52
    assert Thread.objects.filter(cohort=cohort, state=Thread.State.SCHEDULED).count() == 52
    # One action of the minute's three: two more posts go through, the next is refused.
    for title in ("Welcome", "Housekeeping"):
        made = client.post(f"/api/v1/boards/{board.pk}/threads", {"title": title, "body": "Hi"})
        assert made.status_code == 201
    refused = client.post(url, {"prompts": _prompts(52)})
    assert refused.status_code == 429 and refused.data["code"] == "rate_limited"
    # A new minute: the hour allows 5, and the refused series above was not counted.
    monkeypatch.setattr(ratelimit, "clock", lambda: 7_200_090.0)
    assert client.post(url, {"prompts": _prompts(52)}).status_code == 201
    assert client.post(url, {"prompts": _prompts(2)}).status_code == 201
    assert client.post(url, {"prompts": _prompts(1)}).status_code == 429


def test_a_refused_series_or_post_costs_nothing(api, cohort, tutor, members, thread):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    client = api(tutor)
    url = f"/api/v1/boards/{board.pk}/scheduled-threads"
    prompts = _prompts(52)
    for broken in (
        {**prompts[30], "title": ""},
        {**prompts[30], "body": " "},
        {**prompts[30], "publish_at": "2001-01-01T09:00:00+00:00"},
    ):
        refused = client.post(url, {"prompts": [*prompts[:30], broken, *prompts[31:]]})
        assert refused.status_code == 400 and refused.data["code"] == "invalid"
        assert refused.data["detail"].startswith("Prompt 31: "), refused.data
    # A post refused after its text was checked (anonymous where the cohort allows none).
    cohort.allow_anonymous_to_peers = False
    cohort.save(update_fields=["allow_anonymous_to_peers"])
    author = api(members[0])  # one post already: the thread's opening one
    for _ in range(5):
        anonymous = author.post(
            f"/api/v1/threads/{thread.pk}/posts", {"body": "psst", "anonymous": True}
        )
        assert anonymous.status_code == 400 and anonymous.data["code"] == "anonymous_not_allowed"
    # None of that was counted: the whole minute's budget is still there.
    assert [client.post(url, {"prompts": _prompts(1)}).status_code for _ in range(4)] == [
        201,
        201,
        201,
        429,
    ]
    replies = [
        author.post(f"/api/v1/threads/{thread.pk}/posts", {"body": f"r{i}"}).status_code
        for i in range(3)
    ]
    assert replies == [201, 201, 429]
