"""``seed_scale``: a large synthetic cohort for the benchmarks (``demo.scale`` builds it)."""

from __future__ import annotations

import random

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from demo.scale import POSTS_PER_THREAD, SPREAD_WEEKS, seed_cohort


class Command(BaseCommand):
    help = (
        "Create a large synthetic cohort tutored by the demo user 'tutor' (created if missing). "
        "Prints the new cohort's id as the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=1100)
        parser.add_argument("--posts", type=int, default=50_000)
        parser.add_argument("--reads", type=int, default=1_000_000)
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help=f"Threads the posts are spread over (default: one per {POSTS_PER_THREAD} posts).",
        )
        parser.add_argument(
            "--weeks",
            type=int,
            default=SPREAD_WEEKS,
            help="Activity is spread over the last W weeks.",
        )
        parser.add_argument(
            "--thread-posts",
            type=int,
            default=0,
            help="One extra thread with N posts; its id is printed as 'thread N' before the "
            "cohort's.",
        )
        parser.add_argument("--seed", type=int, default=2006, help="Random seed (repeatable).")

    def handle(
        self,
        *args,
        members: int,
        posts: int,
        reads: int,
        seed: int,
        threads: int | None = None,
        weeks: int = SPREAD_WEEKS,
        thread_posts: int = 0,
        **options,
    ):
        if members < 1 or posts < 0 or reads < 0:
            raise CommandError("--members must be at least 1; --posts and --reads at least 0.")
        if threads is not None and threads < 1:
            raise CommandError("--threads must be at least 1.")
        if weeks < 1 or thread_posts < 0:
            raise CommandError("--weeks must be at least 1; --thread-posts at least 0.")
        rng = random.Random(seed)
        started = timezone.now()
        with transaction.atomic():
            cohort, big_thread = seed_cohort(
                rng,
                members=members,
                posts=posts,
                reads=reads,
                n_threads=threads,
                weeks=weeks,
                thread_posts=thread_posts,
            )
        seconds = (timezone.now() - started).total_seconds()
        with connection.cursor() as cursor:  # Fresh statistics so the planner sees the sizes.
            for table in (
                "mentoring_readevent",
                "mentoring_post",
                "mentoring_membership",
                "mentoring_threadreadstate",
                "mentoring_thread",
            ):
                cursor.execute(f"ANALYZE {table}")
        self.stderr.write(
            f"Seeded cohort {cohort.pk}: {members} members, {posts} posts, {reads} read events "
            f"over {weeks} weeks in {seconds:.1f}s."
        )
        if big_thread is not None:
            self.stdout.write(f"thread {big_thread.pk}")
        self.stdout.write(str(cohort.pk))
