"""The grace period: the author may edit or retract until ``editable_until``, decided by the
server with the post's row locked, so a request at the boundary gets exactly one outcome."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from mentoring.boards.services import posts
from mentoring.core.errors import Forbidden, NotFound, ServiceError
from mentoring.models import Post, PostRevision
from tests.factories import make_cohort

from .boards_helpers import general_board


def _post(cohort, author, body="first words"):
    thread = posts.create_thread(board=general_board(cohort), author=author, title="T", body=body)
    return thread.posts.get()


@pytest.mark.django_db
def test_editable_until_is_stored_at_creation_from_the_cohorts_setting(tutor, members):
    cohort = make_cohort(name="Short", tutors=[tutor], members=members, edit_grace_seconds=90)
    post = _post(cohort, members[0])
    assert post.editable_until - post.created_at == timedelta(seconds=90)
    # Changing the setting later does not move the deadline of posts already written.
    cohort.edit_grace_seconds = 3600
    cohort.save()
    post.refresh_from_db()
    assert post.editable_until - post.created_at == timedelta(seconds=90)


@pytest.mark.django_db
def test_edit_within_the_grace_period_keeps_a_revision(cohort, members):
    post = _post(cohort, members[0])
    posts.edit_post(post=post, by=members[0], body="better words")
    post.refresh_from_db()
    assert post.body == "better words" and post.edited_at is not None
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == [
        "first words"
    ]


@pytest.mark.django_db
def test_edit_after_the_grace_period_is_refused(cohort, members):
    post = _post(cohort, members[0])
    Post.objects.filter(pk=post.pk).update(editable_until=timezone.now() - timedelta(seconds=1))
    for attempt in (
        lambda: posts.edit_post(post=post, by=members[0], body="too late"),
        lambda: posts.retract_post(post=post, by=members[0]),
    ):
        with pytest.raises(ServiceError) as refused:
            attempt()
        assert refused.value.code == "grace_period_over" and isinstance(refused.value, Forbidden)
    post.refresh_from_db()
    assert post.body == "first words" and not PostRevision.objects.exists()


@pytest.mark.django_db
def test_the_boundary_instant_itself_is_already_over(cohort, members):
    post = _post(cohort, members[0])
    just_before = post.editable_until - timedelta(microseconds=1)
    with mock.patch("mentoring.boards.services.posts.timezone.now", return_value=just_before):
        posts.edit_post(post=post, by=members[0], body="in time")
    with (
        mock.patch(
            "mentoring.boards.services.posts.timezone.now", return_value=post.editable_until
        ),
        pytest.raises(ServiceError, match="over"),
    ):
        posts.edit_post(post=post, by=members[0], body="too late")
    post.refresh_from_db()
    assert post.body == "in time"


@pytest.mark.django_db
def test_someone_elses_post_cannot_be_edited_or_retracted(cohort, members, outsider):
    post = _post(cohort, members[0])
    with pytest.raises(ServiceError) as refused:
        posts.edit_post(post=post, by=members[1], body="mine now")
    assert isinstance(refused.value, Forbidden)
    with pytest.raises(ServiceError) as hidden:
        posts.retract_post(post=post, by=outsider)
    assert isinstance(hidden.value, NotFound)  # an outsider cannot even know it exists
    post.refresh_from_db()
    assert post.body == "first words"


class _Clock:
    """An injected ``timezone.now`` for the service, per thread: the tests decide on which side
    of the deadline each request's clock reads, instead of sleeping across it."""

    def __init__(self) -> None:
        self.real = timezone.now
        self.local = threading.local()
        self.shared = None

    def __call__(self):
        return getattr(self.local, "now", None) or self.shared or self.real()


def _wait_for_a_lock_waiter(timeout: float = 10) -> None:
    """Until another connection waits on a row lock (PostgreSQL says so), not a guessed sleep."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL keeps one snapshot of the statistics: drop it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("nobody waited for the lock")


@pytest.mark.django_db(transaction=True)
def test_the_decision_waits_for_the_row_lock_and_uses_the_time_it_gets_it(tutor, members):
    """A request that arrives in time but waits behind a lock past the deadline is refused:
    the check happens under the lock, never on a stale read."""
    cohort = make_cohort(name="Race", tutors=[tutor], members=members)
    post = _post(cohort, members[0])
    clock = _Clock()
    clock.shared = post.editable_until - timedelta(seconds=1)
    locked = threading.Event()
    outcome: dict = {}

    def hold_lock():
        try:
            with transaction.atomic():
                Post.objects.select_for_update().get(pk=post.pk)
                locked.set()
                _wait_for_a_lock_waiter()
                # The edit is queued behind us; by the time it gets the row, time is up.
                clock.shared = post.editable_until + timedelta(seconds=1)
        finally:
            connections.close_all()

    def edit():
        locked.wait(5)
        outcome["asked_at"] = clock()
        try:
            posts.edit_post(post=post.pk, by=members[0], body="raced")
            outcome["result"] = "edited"
        except ServiceError as error:
            outcome["result"] = error.code
        finally:
            connections.close_all()

    with mock.patch("mentoring.boards.services.posts.timezone.now", new=clock):
        threads = [threading.Thread(target=hold_lock), threading.Thread(target=edit)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
    post.refresh_from_db()
    assert outcome["asked_at"] < post.editable_until  # it asked in time…
    assert outcome["result"] == "grace_period_over"  # …but the locked decision came after
    assert post.body == "first words"


@pytest.mark.django_db(transaction=True)
def test_racing_edits_and_retraction_at_the_boundary_get_one_outcome_each(tutor, members):
    """Seven requests at once: three edits and the retraction read a clock before the deadline,
    three edits one after it. The retraction always wins; a late edit never lands (refused for
    time, or the post is already gone); an early edit lands before the retraction or finds the
    post gone, never after it."""
    cohort = make_cohort(name="Race 2", tutors=[tutor], members=members)
    author = members[0]
    post = _post(cohort, author)
    clock = _Clock()
    start = threading.Barrier(7)
    results: dict[str, str] = {}

    def attempt(kind: str, n: int):
        start.wait(5)
        offset = timedelta(seconds=-1 if n < 3 else 1)
        clock.local.now = post.editable_until + offset
        try:
            if kind == "edit":
                posts.edit_post(post=post.pk, by=author, body=f"edit {n}")
            else:
                posts.retract_post(post=post.pk, by=author)
            results[f"{kind}{n}"] = "ok"
        except ServiceError as error:
            results[f"{kind}{n}"] = error.code
        finally:
            connections.close_all()

    workers = [threading.Thread(target=attempt, args=("edit", n)) for n in range(6)]
    workers.append(threading.Thread(target=attempt, args=("retract", 1)))
    with mock.patch("mentoring.boards.services.posts.timezone.now", new=clock):
        for w in workers:
            w.start()
        for w in workers:
            w.join(15)
    assert results["retract1"] == "ok"
    assert {results[f"edit{n}"] for n in (3, 4, 5)} <= {"grace_period_over", "not_found"}
    assert {results[f"edit{n}"] for n in (0, 1, 2)} <= {"ok", "not_found"}
    # Nothing edited after the retraction brought any text back.
    assert not Post.objects.filter(pk=post.pk).exists() and not PostRevision.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM mentoring_post WHERE body LIKE 'edit %%'")
        assert cursor.fetchone()[0] == 0
