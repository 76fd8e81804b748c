"""What posting costs the web process, pinned (issue 24): the queries of ``POST
/api/v1/threads/{id}/posts`` inside the request and those of its live events after commit,
whatever the thread's size; the answer is the post as written, not read back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from mentoring.boards.services.posts import create_post, create_thread
from mentoring.models import Board, Post

pytestmark = pytest.mark.django_db

# A reply that mentions someone, everything counted: the bearer token; the thread and the
# author's role; the transaction (the post, its search vector, the thread's activity, the
# author's counters and nudge conversion, the reply and mention notifications with their
# recipients' rows, roles and e-mails' due times); after commit, the author's dashboard row and
# the live events logged, the e-mail tasks queued. Before issue 24: 39 (the thread read twice,
# the post, its thread and its reactions read back for the answer); 35 after it. Issue 23 added
# 13: the author's draft cleared, watching (the author's default level written, the watchers'
# levels read, their notifications written in one go), and their savepoints. Issue 24 added
# one: how many watch (more than ``subscriptions.WATCHERS_IN_REQUEST`` and the worker tells
# them, in a query count of its own).
POSTING_QUERIES = 49


@pytest.fixture
def thread(cohort, members):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    return create_thread(board=board, author=members[0], title="Pinned", body="Start.")


def post_and_count(api, user, thread, body):
    client = api(user)
    client.post(f"/api/v1/threads/{thread.pk}/posts", {"body": "warm the token up"})
    with (
        CaptureQueriesContext(connection) as queries,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        response = client.post(f"/api/v1/threads/{thread.pk}/posts", {"body": body})
    return response, queries


def test_posting_makes_a_fixed_number_of_queries_whatever_the_thread(api, members, thread):
    # Someone who replied watches the thread: every post below tells its watchers (in one go).
    create_post(thread=thread, author=members[2], body="Watching from here.")
    response, queries = post_and_count(api, members[1], thread, "A reply for @member1.")
    assert response.status_code == 201, response.data
    assert len(queries) == POSTING_QUERIES, "\n".join(
        q["sql"][:100] for q in queries.captured_queries
    )
    for n in range(20):
        create_post(thread=thread, author=members[2], body=f"More {n}.")
    response, queries = post_and_count(api, members[1], thread, "Another for @member1.")
    assert len(queries) == POSTING_QUERIES


def test_the_answer_is_the_post_as_written_without_reading_it_back(api, members, thread):
    response, queries = post_and_count(api, members[1], thread, "Written **once**.")
    post = Post.objects.get(pk=response.data["id"])
    assert response.data["body_html"] == post.body_html == "<p>Written <strong>once</strong>.</p>\n"
    assert response.data["mine"] and response.data["can_edit"]
    assert response.data["reactions"] == {kind: 0 for kind in response.data["reactions"]}
    assert response.data["created_at"].startswith(post.created_at.isoformat()[:19])
    reads_of_the_post = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "mentoring_post"."id"')
        and 'WHERE "mentoring_post"."id"' in q["sql"]
    ]
    assert not reads_of_the_post


def test_posting_makes_the_same_queries_however_many_watch(api, cohort, members, thread):
    # Each watcher gets a notification, live on their own stream: logged in one statement for
    # them all, so the count does not grow with the watchers (it did: one append each). These
    # watchers take a daily digest: one who wants e-mail as it happens adds its queued task.
    from mentoring.cohorts.services import add_membership
    from mentoring.models import Membership, User
    from tests.factories import UserFactory

    create_post(thread=thread, author=members[2], body="Watching from here.")
    response, queries = post_and_count(api, members[1], thread, "With one watcher.")
    one_watcher = len(queries)
    for n in range(5):
        watcher = UserFactory(username=f"watcher{n}", email_preference=User.EmailPreference.DAILY)
        add_membership(cohort=cohort, user=watcher, role=Membership.Role.MEMBER)
        create_post(thread=thread, author=watcher, body=f"Watching too, {n}.")
    response, queries = post_and_count(api, members[1], thread, "With six watchers.")
    assert response.status_code == 201
    assert len(queries) == one_watcher, "\n".join(q["sql"][:120] for q in queries.captured_queries)
