"""A large synthetic cohort at the Edge Hill module's scale, for benchmarks.

Rows go in with PostgreSQL's COPY (psycopg 3) rather than the ORM: a million read events
through ``bulk_create`` take minutes, through COPY seconds. The counters are then rebuilt
from the inserted activity by the same code as ``rebuild_participation``, so they are exactly
consistent with the events.

A year of a cohort: activity is spread over the last ``--weeks`` weeks (so the weekly trend and
the "went quiet" alerts have a history), posts over ``--threads`` threads, and ``--thread-posts``
adds one long thread for the pagination benches. Bodies are 80–120 words of plausible
classroom talk, so page sizes and rendering costs are realistic.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from guardian.models import UserObjectPermission

from mentoring.cohorts.services import create_cohort
from mentoring.models import Board, Cohort, Membership, Thread, User
from mentoring.participation.services.counters import rebuild_counters
from mentoring.rules.permissions import MEMBER_PERMISSIONS

# Roughly the module's mix: a fifth post, most of the rest read, some only open resources.
SHARE_CONTRIBUTORS = 0.20
SHARE_READERS = 0.60
SHARE_RESOURCE_ONLY = 0.12
SPREAD_WEEKS = 16
POSTS_PER_THREAD = 20
RETRACTED_SHARE = 0.02
BODY_POOL = 500  # distinct bodies, drawn at random: enough variety, no cost per post

_OPENINGS = [
    "This week I tried something new with my Year 9 group.",
    "I wanted to share what happened in my lesson on Tuesday.",
    "Following on from the discussion here, I had a go with my tutor group.",
    "My mentor suggested an approach that I was not sure about at first.",
    "I have been thinking about behaviour management since our last session.",
    "Something came up at parents' evening that I would value advice on.",
    "Our department changed its marking policy this half term.",
    "I am still finding the balance between planning and everything else hard.",
]
_MIDDLES = [
    "The class were unsettled after lunch, so I started with a short retrieval quiz",
    "I split them into mixed-attainment groups and gave each a different role",
    "we spent ten minutes modelling the answer together on the board",
    "two students who rarely speak ended up leading the feedback",
    "I used cold calling with a lot of wait time, which felt awkward at first",
    "the seating plan made a bigger difference than I expected",
    "the teaching assistant and I agreed the routine beforehand",
    "I kept the instructions to three steps and wrote them up",
    "we returned to the misconception from last week before moving on",
    "the exit tickets showed that about half had understood the key idea",
    "I gave whole-class feedback instead of writing comments in every book",
    "a student challenged the task and we talked it through calmly",
]
_CLOSINGS = [
    "Has anyone else found the same with a challenging group?",
    "I would really appreciate any suggestions for next time.",
    "I am going to try it again next week and will report back.",
    "It is not perfect yet, but it felt like progress.",
    "How do you keep the pace up without losing the quieter ones?",
    "Our reading on formative assessment made a lot more sense afterwards.",
]


def synthetic_bodies(rng: random.Random, count: int) -> list[str]:
    """``count`` post bodies of 80–120 words each, assembled from classroom sentences."""
    bodies = []
    for _ in range(count):
        target = rng.randint(80, 120)
        words = rng.choice(_OPENINGS).split()
        while len(words) < target - 12:
            first, second = rng.choice(_MIDDLES), rng.choice(_MIDDLES)
            words += f"{first[0].upper()}{first[1:]}, and {second}.".split()
        words += rng.choice(_CLOSINGS).split()
        text = " ".join(words[:target])
        bodies.append(text if text.endswith((".", "?")) else text + ".")
    return bodies


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


def seed_cohort(
    rng: random.Random,
    *,
    members: int,
    posts: int,
    reads: int,
    n_threads: int | None,
    weeks: int,
    thread_posts: int,
) -> tuple[Cohort, Thread | None]:
    """A new cohort tutored by ``tutor`` and its year of activity; returns it and the long
    thread (if ``thread_posts``). The caller holds the transaction."""
    now = timezone.now()
    tutor, created = User.objects.get_or_create(
        username="tutor", defaults={"display_name": "Tutor", "email": "tutor@example.org"}
    )
    if created:
        tutor.set_unusable_password()
        tutor.save(update_fields=["password"])
    cohort = create_cohort(name=f"Scale cohort {now:%Y-%m-%d %H:%M:%S}", tutors=[tutor])
    cohort.starts_on = (now - timedelta(weeks=weeks)).date()
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
        User.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True)
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
    _copy(
        UserObjectPermission._meta.db_table,
        ["user_id", "permission_id", "content_type_id", "object_pk"],
        ((uid, perm.pk, content_type.pk, str(cohort.pk)) for uid in user_ids for perm in perms),
    )

    shuffled = user_ids[:]
    rng.shuffle(shuffled)
    n_contrib = max(1, round(members * SHARE_CONTRIBUTORS)) if (posts or thread_posts) else 0
    n_readers = round(members * SHARE_READERS)
    n_resource = round(members * SHARE_RESOURCE_ONLY)
    contributors = shuffled[:n_contrib]
    readers = shuffled[n_contrib : n_contrib + n_readers]
    resource_only = shuffled[n_contrib + n_readers : n_contrib + n_readers + n_resource]
    spread = timedelta(weeks=weeks).total_seconds()

    def moment():
        return now - timedelta(seconds=rng.random() * spread)

    # Threads, each started by a contributor (the tutor if there are none).
    if n_threads is None:
        n_threads = max(1, -(-posts // POSTS_PER_THREAD)) if (posts or reads) else 0
    threads = Thread.objects.bulk_create(
        [
            Thread(
                board=board,
                cohort=cohort,
                author_id=rng.choice(contributors) if contributors else tutor.pk,
                title=f"Scale thread {i}",
                created_at=now - timedelta(weeks=weeks),
                last_activity_at=now,
            )
            for i in range(1, n_threads + 1)
        ],
        batch_size=2000,
    )
    big_thread = None
    if thread_posts:
        big_thread = Thread.objects.create(
            board=board,
            cohort=cohort,
            author_id=contributors[0] if contributors else tutor.pk,
            title=f"A long discussion ({thread_posts} posts)",
            created_at=now - timedelta(weeks=weeks),
            last_activity_at=now,
        )
    thread_ids = [t.pk for t in threads]
    grace = cohort.grace_period
    bodies = [(body, f"<p>{body}</p>\n") for body in synthetic_bodies(rng, BODY_POOL)]
    writers = contributors or [tutor.pk]

    def post_row(thread_id: int, created_at, *, may_retract: bool = True):
        retracted = may_retract and rng.random() < RETRACTED_SHARE
        body, body_html = ("", "") if retracted else rng.choice(bodies)
        return (
            thread_id,
            cohort.pk,
            rng.choice(writers),
            body,
            body_html,
            "{}",
            False,
            created_at,
            created_at + grace,
            created_at + grace if retracted else None,
            "",
        )

    def post_rows():
        if thread_ids:
            for _ in range(posts):
                yield post_row(rng.choice(thread_ids), moment())
        if big_thread is not None:
            # Evenly spaced over the weeks, oldest first, none retracted: a thread to page.
            step = spread / thread_posts
            for i in range(thread_posts):
                created_at = now - timedelta(seconds=spread - i * step)
                yield post_row(big_thread.pk, created_at, may_retract=False)

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
    read_targets = thread_ids + ([big_thread.pk] if big_thread is not None else [])
    if reads and readers_and_writers and read_targets:
        _copy(
            "mentoring_readevent",
            ["user_id", "thread_id", "cohort_id", "created_at"],
            (
                (rng.choice(readers_and_writers), rng.choice(read_targets), cohort.pk, moment())
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
    with connection.cursor() as cursor:
        # A thread's first post is its start; its newest live post its last activity.
        cursor.execute(
            """
            UPDATE mentoring_thread AS t
            SET created_at = p.first_at, last_activity_at = p.last_at
            FROM (
                SELECT thread_id, min(created_at) AS first_at, max(created_at) AS last_at
                FROM mentoring_post WHERE cohort_id = %s GROUP BY thread_id
            ) AS p
            WHERE t.id = p.thread_id
            """,
            [cohort.pk],
        )
    rebuild_counters(cohort_ids=[cohort.pk])
    return cohort, big_thread
