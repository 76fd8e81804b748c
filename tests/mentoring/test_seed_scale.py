"""``seed_scale``: a year of a big cohort, with the flags the public surface (docs/api.md) lists."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mentoring.models import Membership, Post, ReadEvent, Thread
from mentoring.participation.selectors.rows import status_counts
from mentoring.participation.services.counters import rebuild_counters

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_scale_spreads_a_year_over_threads_and_adds_a_long_thread():
    out = io.StringIO()
    call_command(
        "seed_scale",
        "--members=60",
        "--posts=400",
        "--reads=3000",
        "--threads=7",
        "--weeks=40",
        "--thread-posts=95",
        stdout=out,
        stderr=io.StringIO(),
    )
    lines = out.getvalue().split()
    assert lines[-3] == "thread"
    thread_id, cohort_id = int(lines[-2]), int(lines[-1])
    long_thread = Thread.objects.get(pk=thread_id)
    assert long_thread.cohort_id == cohort_id
    assert long_thread.posts.count() == 95
    assert Thread.objects.filter(cohort_id=cohort_id).count() == 8
    assert Post.objects.filter(cohort_id=cohort_id).count() == 495
    assert Membership.objects.filter(cohort_id=cohort_id, role="member").count() == 60

    # Spread over the weeks asked for, so the trend and the alerts have history.
    now = timezone.now()
    oldest = Post.objects.filter(cohort_id=cohort_id).order_by("created_at").first().created_at
    assert now - timedelta(weeks=40, minutes=5) <= oldest < now - timedelta(weeks=30)
    reads = ReadEvent.objects.filter(cohort_id=cohort_id)
    assert reads.filter(created_at__lt=now - timedelta(weeks=20)).exists()

    # Realistic bodies: 80 to 120 words, rendered.
    for post in Post.objects.filter(cohort_id=cohort_id, retracted_at__isnull=True)[:50]:
        assert 80 <= len(post.body.split()) <= 120
        assert post.body_html.startswith("<p>")

    # Threads know their first and last activity.
    assert long_thread.last_activity_at == long_thread.posts.latest("created_at").created_at

    # The counters agree with a rebuild from the events.
    before = status_counts(cohort=long_thread.cohort)
    assert sum(before.values()) == 60 and before["contributor"] >= 1
    rebuild_counters(cohort_ids=[cohort_id])
    assert status_counts(cohort=long_thread.cohort) == before


def test_seed_scale_refuses_nonsense():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_scale", "--members=5", "--threads=0", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("seed_scale", "--members=5", "--weeks=0", stdout=io.StringIO())
