"""Cancelling a scheduled prompt: its tutors delete it before it goes out; members never learn
it existed and the worker has nothing left to publish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.boards.services import moderation, posts, scheduling
from mentoring.core.errors import Forbidden, Invalid, NotFound
from mentoring.models import Cohort, Notification, Post, Thread
from tests.factories import UserFactory, make_cohort
from tests.mentoring.boards_helpers import general_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(db):
    tutor = UserFactory(username="tess")
    co_tutor = UserFactory(username="theo")
    members = [UserFactory(username=f"nqt{i}") for i in (1, 2)]
    cohort = make_cohort(name="Prompts", tutors=[tutor, co_tutor], members=members)
    return cohort, tutor, co_tutor, members


def schedule(cohort, tutor, minutes=60, body="What went well?"):
    return scheduling.schedule_thread(
        board=general_board(cohort),
        author=tutor,
        title="Week 1",
        body=body,
        publish_at=timezone.now() + timedelta(minutes=minutes),
    )


def test_a_cancelled_prompt_is_gone_and_never_published(setting):
    cohort, tutor, co_tutor, (nqt1, _) = setting
    thread = schedule(cohort, tutor, body="Hello @theo")
    assert Notification.objects.filter(user=co_tutor).exists()  # mentioned
    due = thread.publish_at
    scheduling.cancel_scheduled_thread(thread=thread.pk, by=co_tutor)  # any of its tutors
    assert not Thread.objects.filter(pk=thread.pk).exists()
    assert not Post.objects.filter(thread_id=thread.pk).exists()
    assert not Notification.objects.filter(user=co_tutor).exists()
    assert scheduling.publish_due(now=due + timedelta(minutes=1)) == []
    assert scheduling.publish_scheduled.call() == 0
    assert not Notification.objects.filter(user=nqt1).exists()


def test_only_its_tutors_cancel_and_members_learn_nothing(setting, outsider):
    cohort, tutor, _, (nqt1, _) = setting
    thread = schedule(cohort, tutor)
    other_tutor = UserFactory()
    make_cohort(name="Other", tutors=[other_tutor], members=[outsider])
    for user in (nqt1, outsider, other_tutor):
        with pytest.raises(NotFound):
            scheduling.cancel_scheduled_thread(thread=thread.pk, by=user)
    with pytest.raises(NotFound):
        scheduling.cancel_scheduled_thread(thread=999_999, by=tutor)
    assert Thread.objects.filter(pk=thread.pk).exists()


def test_a_published_thread_is_not_cancelled(setting):
    cohort, tutor, _, (nqt1, _) = setting
    published = posts.create_thread(board=general_board(cohort), author=tutor, title="T", body="b")
    with pytest.raises(Invalid) as refused:
        scheduling.cancel_scheduled_thread(thread=published.pk, by=tutor)
    assert refused.value.code == "already_published"
    with pytest.raises(NotFound):  # a member is told nothing either way
        scheduling.cancel_scheduled_thread(thread=published.pk, by=nqt1)
    thread = schedule(cohort, tutor)
    scheduling.publish_due(now=thread.publish_at)
    with pytest.raises(Invalid):
        scheduling.cancel_scheduled_thread(thread=thread.pk, by=tutor)
    assert Thread.objects.filter(pk=thread.pk).exists()


def test_not_in_an_archived_cohort(setting):
    cohort, tutor, _, _ = setting
    thread = schedule(cohort, tutor)
    Cohort.objects.filter(pk=cohort.pk).update(archived_at=timezone.now())
    with pytest.raises(Forbidden) as refused:
        scheduling.cancel_scheduled_thread(thread=thread.pk, by=tutor)
    assert refused.value.code == "cohort_archived"


def test_the_api_cancels_with_204_and_404_for_members(setting, api):
    cohort, tutor, _, (nqt1, _) = setting
    thread = schedule(cohort, tutor)
    url = f"/api/v1/threads/{thread.pk}/schedule"
    assert api(nqt1).delete(url).status_code == 404
    assert api(nqt1).delete("/api/v1/threads/999999/schedule").status_code == 404
    assert api(tutor).delete(url).status_code == 204
    assert not Thread.objects.filter(pk=thread.pk).exists()
    assert api(tutor).delete(url).status_code == 404
    published = posts.create_thread(board=general_board(cohort), author=tutor, title="T", body="b")
    refused = api(tutor).delete(f"/api/v1/threads/{published.pk}/schedule")
    assert refused.status_code == 400 and refused.data["code"] == "already_published"


def test_the_page_asks_first_then_cancels(setting, client):
    cohort, tutor, _, (nqt1, _) = setting
    thread = schedule(cohort, tutor)
    cancel_url = f"/threads/{thread.pk}/cancel-schedule/"
    client.force_login(tutor)
    listing = client.get(f"/cohorts/{cohort.pk}/scheduled/").content.decode()
    assert cancel_url in listing
    asking = client.get(cancel_url)
    assert asking.status_code == 200 and "Cancel “Week 1”?" in asking.content.decode()
    assert Thread.objects.filter(pk=thread.pk).exists()  # asking changes nothing
    client.force_login(nqt1)
    assert client.get(cancel_url).status_code == 404
    assert client.post(cancel_url).status_code == 404
    assert Thread.objects.filter(pk=thread.pk).exists()
    client.force_login(tutor)
    done = client.post(cancel_url)
    assert done.status_code == 302 and done["Location"] == f"/cohorts/{cohort.pk}/scheduled/"
    assert not Thread.objects.filter(pk=thread.pk).exists()
    assert client.get(cancel_url).status_code == 404


def test_a_cancelled_pinned_prompt_leaves_nothing_on_the_board(setting):
    """A cancelled prompt's pin goes with it (nothing left behind on the board)."""
    cohort, tutor, _, _ = setting
    thread = schedule(cohort, tutor)
    moderation.pin_thread(thread=thread.pk, by=tutor)
    scheduling.cancel_scheduled_thread(thread=thread.pk, by=tutor)
    assert not Thread.objects.filter(board=general_board(cohort)).exists()
