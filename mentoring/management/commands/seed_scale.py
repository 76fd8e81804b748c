"""A large synthetic cohort at the Edge Hill module's scale, for benchmarks.

Rows go in with PostgreSQL's COPY (psycopg 3) rather than the ORM: a million read events
through ``bulk_create`` take minutes, through COPY seconds. The counters are then rebuilt
from the inserted activity by the same code as ``rebuild_participation``, so they are exactly
consistent with the events.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from guardian.models import UserObjectPermission

from mentoring.cohorts.services import create_cohort
from mentoring.models import Board, Cohort, Membership, Thread, User
from mentoring.participation.services import rebuild_counters
from mentoring.rules.permissions import MEMBER_PERMISSIONS

# Roughly the module's mix: a fifth post, most of the rest read, some only open resources.
SHARE_CONTRIBUTORS = 0.20
SHARE_READERS = 0.60
SHARE_RESOURCE_ONLY = 0.12
SPREAD_WEEKS = 16
POSTS_PER_THREAD = 20
RETRACTED_SHARE = 0.02


def _copy(table: str, columns: list[str], rows) -> int:
    """Stream ``rows`` into ``table`` with COPY; returns how many were written."""
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # The psycopg 3 cursor behind Django's wrapper.
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


class Command(BaseCommand):
    help = (
        "Create a large synthetic cohort tutored by the demo user 'tutor' (created if missing). "
        "Prints the new cohort's id as the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=1100)
        parser.add_argument("--posts", type=int, default=50_000)
        parser.add_argument("--reads", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=2006, help="Random seed (repeatable).")

    def handle(self, *args, members: int, posts: int, reads: int, seed: int, **options):
        if members < 1 or posts < 0 or reads < 0:
            raise CommandError("--members must be at least 1; --posts and --reads at least 0.")
        rng = random.Random(seed)
        started = timezone.now()
        with transaction.atomic():
            cohort = self._seed(rng, members=members, posts=posts, reads=reads)
        seconds = (timezone.now() - started).total_seconds()
        with connection.cursor() as cursor:  # Fresh statistics so the planner sees the sizes.
            for table in (
                "mentoring_readevent",
                "mentoring_post",
                "mentoring_membership",
                "mentoring_threadreadstate",
            ):
                cursor.execute(f"ANALYZE {table}")
        self.stderr.write(
            f"Seeded cohort {cohort.pk}: {members} members, {posts} posts, {reads} read events "
            f"in {seconds:.1f}s."
        )
        self.stdout.write(str(cohort.pk))

    def _seed(self, rng: random.Random, *, members: int, posts: int, reads: int) -> Cohort:
        now = timezone.now()
        tutor, created = User.objects.get_or_create(
            username="tutor", defaults={"display_name": "Tutor", "email": "tutor@example.org"}
        )
        if created:
            tutor.set_unusable_password()
            tutor.save(update_fields=["password"])
        cohort = create_cohort(name=f"Scale cohort {now:%Y-%m-%d %H:%M:%S}", tutors=[tutor])
        cohort.starts_on = (now - timedelta(weeks=SPREAD_WEEKS)).date()
        cohort.save(update_fields=["starts_on"])
        board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)

        # Members: users by COPY, then their memberships and guardian permissions.
        prefix = f"scale{cohort.pk}_"
        password = make_password(None)  # Unusable: these people never sign in.
        _copy(
            "mentoring_user",
            [
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "display_name",
                "email_preference",
            ],
            (
                (
                    password,
                    False,
                    f"{prefix}{i}",
                    "",
                    "",
                    "",
                    False,
                    True,
                    now,
                    f"Scale NQT {i}",
                    User.EmailPreference.OFF,
                )
                for i in range(1, members + 1)
            ),
        )
        user_ids = list(
            User.objects.filter(username__startswith=prefix)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _copy(
            "mentoring_membership",
            [
                "cohort_id",
                "user_id",
                "role",
                "joined_at",
                "threads_read",
                "posts",
                "resource_views",
            ],
            ((cohort.pk, uid, Membership.Role.MEMBER, now, 0, 0, 0) for uid in user_ids),
        )
        content_type = ContentType.objects.get_for_model(Cohort)
        perms = list(content_type.permission_set.filter(codename__in=MEMBER_PERMISSIONS))
        UserObjectPermission.objects.bulk_create(
            [
                UserObjectPermission(
                    user_id=uid,
                    permission=perm,
                    content_type=content_type,
                    object_pk=str(cohort.pk),
                )
                for uid in user_ids
                for perm in perms
            ],
            batch_size=2000,
        )

        shuffled = user_ids[:]
        rng.shuffle(shuffled)
        n_contrib = max(1, round(members * SHARE_CONTRIBUTORS)) if posts else 0
        n_readers = round(members * SHARE_READERS)
        n_resource = round(members * SHARE_RESOURCE_ONLY)
        contributors = shuffled[:n_contrib]
        readers = shuffled[n_contrib : n_contrib + n_readers]
        resource_only = shuffled[n_contrib + n_readers : n_contrib + n_readers + n_resource]
        spread = timedelta(weeks=SPREAD_WEEKS).total_seconds()

        def moment():
            return now - timedelta(seconds=rng.random() * spread)

        # Threads, each started by a contributor (the tutor if there are none).
        n_threads = max(1, -(-posts // POSTS_PER_THREAD)) if (posts or reads) else 0
        threads = Thread.objects.bulk_create(
            [
                Thread(
                    board=board,
                    cohort=cohort,
                    author_id=rng.choice(contributors) if contributors else tutor.pk,
                    title=f"Scale thread {i}",
                    created_at=now - timedelta(weeks=SPREAD_WEEKS),
                    last_activity_at=now,
                )
                for i in range(1, n_threads + 1)
            ],
            batch_size=2000,
        )
        thread_ids = [t.pk for t in threads]
        grace = cohort.grace_period

        def post_rows():
            for i in range(posts):
                created_at = moment()
                retracted = rng.random() < RETRACTED_SHARE
                body = "" if retracted else f"Synthetic post {i}: what worked in my classroom."
                yield (
                    rng.choice(thread_ids),
                    cohort.pk,
                    rng.choice(contributors),
                    body,
                    f"<p>{body}</p>" if body else "",
                    "{}",
                    False,
                    created_at,
                    created_at + grace,
                    created_at + grace if retracted else None,
                    "",
                )

        _copy(
            "mentoring_post",
            [
                "thread_id",
                "cohort_id",
                "author_id",
                "body",
                "body_html",
                "hashtags",
                "anonymous",
                "created_at",
                "editable_until",
                "retracted_at",
                "hidden_reason",
            ],
            post_rows(),
        )

        readers_and_writers = contributors + readers
        if reads and readers_and_writers:
            _copy(
                "mentoring_readevent",
                ["user_id", "thread_id", "cohort_id", "created_at"],
                (
                    (rng.choice(readers_and_writers), rng.choice(thread_ids), cohort.pk, moment())
                    for _ in range(reads)
                ),
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO mentoring_threadreadstate
                        (user_id, thread_id, first_read_at, last_read_at)
                    SELECT user_id, thread_id, min(created_at), max(created_at)
                    FROM mentoring_readevent WHERE cohort_id = %s
                    GROUP BY user_id, thread_id
                    ON CONFLICT (user_id, thread_id) DO NOTHING
                    """,
                    [cohort.pk],
                )

        viewers = resource_only + rng.sample(
            readers_and_writers, k=min(len(readers_and_writers), members // 3)
        )
        _copy(
            "mentoring_resourceview",
            ["user_id", "cohort_id", "resource_kind", "resource_id", "created_at"],
            (
                (uid, cohort.pk, "scenario", str(rng.randint(1, 6)), moment())
                for uid in viewers
                for _ in range(rng.randint(1, 5))
            ),
        )
        rebuild_counters(cohort_ids=[cohort.pk])
        return cohort
