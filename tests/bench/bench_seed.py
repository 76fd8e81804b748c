"""A year of a big cohort, seeded and rebuilt: ``seed_scale`` and ``rebuild_participation``.

1. ``seed_scale --members 11000`` (50,000 posts, 1,000,000 read events over 52 weeks) against
   the same activity for 1,100 members in the same run: ten times the people should cost
   nowhere near ten times the time (before the counters became set-based it did not finish
   in 13 minutes).
2. ``rebuild_participation`` on the 11,000-member cohort against the floor of any rebuild:
   one pass over the rows it aggregates (read states, posts, resource views).

Both cohorts are deleted afterwards, so the bench database does not grow run after run.
"""

from __future__ import annotations

import io
import time

from tests.bench.common import report, setup_django

BIG, SMALL = 11_000, 1_100
POSTS, READS, WEEKS = 50_000, 1_000_000, 52
TARGET_SECONDS = 300

SOURCE_ROWS = """
SELECT (SELECT count(*) FROM mentoring_threadreadstate s JOIN mentoring_thread t
            ON t.id = s.thread_id WHERE t.cohort_id = %(c)s)
     + (SELECT count(*) FROM mentoring_post WHERE cohort_id = %(c)s)
     + (SELECT count(*) FROM mentoring_resourceview WHERE cohort_id = %(c)s)
"""


def _seed(members: int) -> tuple[int, float]:
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command(
        "seed_scale",
        members=members,
        posts=POSTS,
        reads=READS,
        weeks=WEEKS,
        stdout=out,
        stderr=io.StringIO(),
    )
    return int(out.getvalue().split()[-1]), time.perf_counter() - started


def _forget(cohort_id: int) -> None:
    """Delete a seeded cohort and its people (the big tables first, in one statement each)."""
    from mentoring.models import Cohort, ReadEvent, ResourceView, ThreadReadState, User

    ReadEvent.objects.filter(cohort_id=cohort_id).delete()
    ThreadReadState.objects.filter(thread__cohort_id=cohort_id).delete()
    ResourceView.objects.filter(cohort_id=cohort_id).delete()
    Cohort.objects.filter(pk=cohort_id).delete()
    User.objects.filter(username__startswith=f"scale{cohort_id}_").delete()


def main() -> None:
    import logging

    setup_django()
    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    small_id, small_seconds = _seed(SMALL)
    print(f"(seeded {SMALL:,} members in {small_seconds:.1f}s)", flush=True)
    big_id, big_seconds = _seed(BIG)
    try:
        report(
            f"seed_scale --members {BIG:,} ({POSTS:,} posts, {READS:,} reads, {WEEKS} weeks)",
            big_seconds,
            small_seconds,
            unit="s",
            reference_name=f"the same for {SMALL:,} members",
        )
        verdict = "met" if big_seconds < TARGET_SECONDS else "NOT met"
        print(f"  target: minutes (< {TARGET_SECONDS} s): {verdict}", flush=True)

        started = time.perf_counter()
        call_command("rebuild_participation", str(big_id), stdout=io.StringIO())
        rebuild = time.perf_counter() - started
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(SOURCE_ROWS, {"c": big_id})
            rows = cursor.fetchone()[0]
            floor = time.perf_counter() - started
        report(
            f"rebuild_participation, {BIG:,} members",
            rebuild,
            floor,
            unit="s",
            reference_name=f"one pass over its {rows:,} source rows",
        )
    finally:
        for cohort_id in (small_id, big_id):
            _forget(cohort_id)


if __name__ == "__main__":
    main()
