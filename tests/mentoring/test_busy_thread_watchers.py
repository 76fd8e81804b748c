"""A busy thread's watchers hear of a post from the worker (issue 24): the request only queues
it once the post commits; the worker tells them as a quiet thread's are told in the request,
and tells no one of a post retracted or hidden before it got there."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from mentoring.boards.services import moderation, posts, subscriptions
from mentoring.models import Notification
from tests.mentoring.boards_helpers import general_board

pytestmark = pytest.mark.django_db
WATCHED = Notification.Kind.WATCHED


@pytest.fixture
def busy(cohort, members, monkeypatch):
    """A thread whose two watchers (its starter and members[2]) count as many."""
    monkeypatch.setattr(subscriptions, "WATCHERS_IN_REQUEST", 1)
    a, _, c = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="Busy", body="Q?")
    subscriptions.set_thread_level(user=c, thread_id=thread.pk, level="watching")
    return thread


def queued_fan_outs() -> list[list]:
    return [
        r.args_kwargs["args"]
        for r in DBTaskResult.objects.filter(task_path__endswith="notify_watchers_of")
    ]


def test_the_request_queues_them_after_commit_and_the_worker_tells_them(
    busy, members, django_capture_on_commit_callbacks
):
    _, b, c = members
    with django_capture_on_commit_callbacks(execute=True):
        post = posts.create_post(thread=busy, author=b, body="An idea")
    assert queued_fan_outs() == [[post.pk]]
    assert not Notification.objects.filter(user=c, kind=WATCHED).exists()
    assert subscriptions.notify_watchers_of.call(post.pk) == 1
    [notice] = Notification.objects.filter(user=c, kind=WATCHED)
    assert notice.post_id == post.pk and notice.title == "Member 2 posted in “Busy”"


def test_a_quiet_thread_still_tells_them_in_the_request(cohort, members):
    a, b, c = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="Quiet", body="Q")
    subscriptions.set_thread_level(user=c, thread_id=thread.pk, level="watching")
    posts.create_post(thread=thread, author=b, body="An idea")
    assert Notification.objects.filter(user=c, kind=WATCHED).count() == 1
    assert queued_fan_outs() == []


def test_a_post_retracted_or_hidden_before_the_worker_is_told_to_no_one(busy, members, tutor):
    _, b, c = members
    retracted = posts.create_post(thread=busy, author=b, body="Oops")
    posts.retract_post(post=retracted, by=b)
    hidden = posts.create_post(thread=busy, author=b, body="Rude")
    moderation.hide_post(post=hidden, by=tutor, reason="Not kind")
    assert subscriptions.notify_watchers_of.call(retracted.pk) == 0
    assert subscriptions.notify_watchers_of.call(hidden.pk) == 0
    assert not Notification.objects.filter(user=c, kind=WATCHED).exists()
