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

from mentoring.boards import posts
from mentoring.core.errors import ServiceError
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
        assert refused.value.code == "grace_period_over" and refused.value.status == 403
    post.refresh_from_db()
    assert post.body == "first words" and not PostRevision.objects.exists()


@pytest.mark.django_db
def test_the_boundary_instant_itself_is_already_over(cohort, members):
    post = _post(cohort, members[0])
    just_before = post.editable_until - timedelta(microseconds=1)
    with mock.patch("mentoring.boards.posts.timezone.now", return_value=just_before):
        posts.edit_post(post=post, by=members[0], body="in time")
    with (
        mock.patch("mentoring.boards.posts.timezone.now", return_value=post.editable_until),
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
    assert refused.value.status == 403
    with pytest.raises(ServiceError) as hidden:
        posts.retract_post(post=post, by=outsider)
    assert hidden.value.status == 404  # an outsider cannot even know it exists
    post.refresh_from_db()
    assert post.body == "first words"


@pytest.mark.django_db(transaction=True)
def test_the_decision_waits_for_the_row_lock_and_uses_the_time_it_gets_it(tutor, members):
    """A request that arrives in time but waits behind a lock past the deadline is refused:
    the check happens under the lock, never on a stale read."""
    cohort = make_cohort(name="Race", tutors=[tutor], members=members)
    post = _post(cohort, members[0])
    Post.objects.filter(pk=post.pk).update(editable_until=timezone.now() + timedelta(seconds=0.6))
    locked = threading.Event()
    outcome: dict = {}

    def hold_lock():
        try:
            with transaction.atomic():
                Post.objects.select_for_update().get(pk=post.pk)
                locked.set()
                time.sleep(1.2)
        finally:
            connections.close_all()

    def edit():
        locked.wait(5)
        outcome["asked_at"] = timezone.now()
        try:
            posts.edit_post(post=post.pk, by=members[0], body="raced")
            outcome["result"] = "edited"
        except ServiceError as error:
            outcome["result"] = error.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hold_lock), threading.Thread(target=edit)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    post.refresh_from_db()
    assert outcome["asked_at"] < post.editable_until  # it asked in time…
    assert outcome["result"] == "grace_period_over"  # …but the locked decision came after
    assert post.body == "first words"


@pytest.mark.django_db(transaction=True)
def test_racing_edits_and_retraction_at_the_boundary_get_one_outcome_each(tutor, members):
    cohort = make_cohort(name="Race 2", tutors=[tutor], members=members)
    author = members[0]
    post = _post(cohort, author)
    Post.objects.filter(pk=post.pk).update(editable_until=timezone.now() + timedelta(seconds=0.3))
    start = threading.Barrier(7)
    results: list[str] = []

    def attempt(kind: str, n: int):
        start.wait(5)
        time.sleep(0.05 * n)  # spread the requests across the deadline
        try:
            if kind == "edit":
                posts.edit_post(post=post.pk, by=author, body=f"edit {n}")
            else:
                posts.retract_post(post=post.pk, by=author)
            results.append(f"{kind}:ok")
        except ServiceError as error:
            results.append(f"{kind}:{error.code}")
        finally:
            connections.close_all()

    workers = [threading.Thread(target=attempt, args=("edit", n)) for n in range(6)]
    workers.append(threading.Thread(target=attempt, args=("retract", 3)))
    for w in workers:
        w.start()
    for w in workers:
        w.join(15)
    assert len(results) == 7
    assert set(results) <= {
        "edit:ok",
        "edit:grace_period_over",
        "edit:not_found",
        "retract:ok",
        "retract:grace_period_over",
    }
    remaining = Post.objects.filter(pk=post.pk).first()
    if "retract:ok" in results:
        # Nothing edited after the retraction brought any text back.
        assert remaining is None and not PostRevision.objects.exists()
    else:
        edits = results.count("edit:ok")
        assert PostRevision.objects.filter(post_id=post.pk).count() == edits
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM mentoring_post WHERE body LIKE 'edit %%'")
        (count,) = cursor.fetchone()
    assert count == (0 if "retract:ok" in results else min(1, results.count("edit:ok")))
