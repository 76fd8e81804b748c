"""Editing a scheduled prompt in place: its tutors change its title, text and time before it goes
out (page and API); the text is rendered by the same sanitising renderer as any post, checked
like any post, and words edited away are not replayed once it is published."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.boards.events import thread_group
from mentoring.boards.selectors import search_page
from mentoring.boards.services import scheduling
from mentoring.core.errors import Forbidden, Invalid, NotFound
from mentoring.models import MAX_POST_LENGTH, Cohort, Post, PostRevision, Thread
from mentoring.realtime import log
from tests.factories import UserFactory, make_cohort, signed_in
from tests.mentoring.boards_helpers import general_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(db):
    tutor = UserFactory(username="tess")
    co_tutor = UserFactory(username="theo")
    members = [UserFactory(username=f"nqt{i}") for i in (1, 2)]
    cohort = make_cohort(name="Prompts", tutors=[tutor, co_tutor], members=members)
    return cohort, tutor, co_tutor, members


def schedule(cohort, tutor, *, hours=2, body="What went well?"):
    return scheduling.schedule_thread(
        board=general_board(cohort),
        author=tutor,
        title="Week 1",
        body=body,
        publish_at=timezone.now() + timedelta(hours=hours),
    )


def _opening(thread) -> Post:
    return Post.objects.get(pk=Thread.objects.get(pk=thread.pk).first_post_id)


def test_any_of_its_tutors_edits_title_text_and_time(setting):
    cohort, tutor, co_tutor, _ = setting
    thread = schedule(cohort, tutor)
    later = timezone.now() + timedelta(days=3)
    scheduling.reschedule_thread(
        thread=thread.pk,
        by=co_tutor,
        title="Week 1: behaviour",
        body="What **surprised** you? <script>alert(1)</script>",
        publish_at=later,
    )
    stored = Thread.objects.get(pk=thread.pk)
    assert (stored.title, stored.publish_at) == ("Week 1: behaviour", later)
    opening = _opening(thread)
    assert opening.body.startswith("What **surprised** you?")
    # The same renderer and sanitiser as any post.
    assert "<strong>surprised</strong>" in opening.body_html
    assert "<script" not in opening.body_html
    # Nobody read the earlier text: no revision, not marked edited.
    assert opening.edited_at is None and not PostRevision.objects.filter(post=opening).exists()
    # Leaving a part out keeps it.
    scheduling.reschedule_thread(thread=thread.pk, by=tutor, title="Week 1, again")
    assert _opening(thread).body == opening.body
    assert Thread.objects.get(pk=thread.pk).publish_at == later


def test_the_text_is_checked_like_a_posts_and_nothing_changes_when_refused(setting):
    cohort, tutor, _, _ = setting
    thread = schedule(cohort, tutor)
    before = Thread.objects.get(pk=thread.pk)
    later = timezone.now() + timedelta(days=3)
    for body in ("   ", "x" * (MAX_POST_LENGTH + 1)):
        with pytest.raises(Invalid) as refused:
            scheduling.reschedule_thread(
                thread=thread.pk, by=tutor, title="New", body=body, publish_at=later
            )
        assert refused.value.extra.get("field") == "body"
    stored = Thread.objects.get(pk=thread.pk)
    assert (stored.title, stored.publish_at) == (before.title, before.publish_at)
    assert _opening(thread).body == "What went well?"


def test_a_published_prompt_is_not_edited_here(setting):
    cohort, tutor, _, _ = setting
    thread = schedule(cohort, tutor, hours=1)
    scheduling.publish_due(now=thread.publish_at + timedelta(minutes=1))
    with pytest.raises(Invalid) as refused:
        scheduling.reschedule_thread(thread=thread.pk, by=tutor, body="Changed")
    assert refused.value.code == "already_published"
    assert _opening(thread).body == "What went well?"


def test_not_in_an_archived_cohort(setting):
    cohort, tutor, _, _ = setting
    thread = schedule(cohort, tutor)
    Cohort.objects.filter(pk=cohort.pk).update(archived_at=timezone.now())
    for change in ({"body": "New"}, {"title": "New"}):
        with pytest.raises(Forbidden) as refused:
            scheduling.reschedule_thread(thread=thread.pk, by=tutor, **change)
        assert refused.value.code == "cohort_archived"
    assert _opening(thread).body == "What went well?"


def test_members_and_outsiders_learn_nothing(setting, api):
    cohort, tutor, _, (nqt1, _) = setting
    thread = schedule(cohort, tutor)
    outsider_tutor = UserFactory()
    make_cohort(name="Other", tutors=[outsider_tutor], members=[])
    for user in (nqt1, outsider_tutor):
        with pytest.raises(NotFound):
            scheduling.reschedule_thread(thread=thread.pk, by=user, body="Mine now")
        response = api(user).client.patch(
            f"/api/v1/threads/{thread.pk}/schedule",
            data={"body": "Mine now"},
            content_type="application/json",
        )
        assert response.status_code == 404
    assert _opening(thread).body == "What went well?"


def test_the_api_edits_the_text_in_place(setting, api):
    cohort, tutor, _, _ = setting
    thread = schedule(cohort, tutor, hours=1)
    url = f"/api/v1/threads/{thread.pk}/schedule"
    edited = api(tutor).client.patch(
        url, data={"body": "What *surprised* you?"}, content_type="application/json"
    )
    assert edited.status_code == 200
    assert edited.json()["body"] == "What *surprised* you?"
    assert "<em>surprised</em>" in _opening(thread).body_html
    listed = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/scheduled-threads").data
    assert [t["body"] for t in listed] == ["What *surprised* you?"]
    empty = api(tutor).client.patch(url, data={"body": ""}, content_type="application/json")
    assert empty.status_code == 400 and empty.json()["code"] == "invalid"
    scheduling.publish_due(now=thread.publish_at + timedelta(minutes=1))
    late = api(tutor).client.patch(url, data={"body": "Too late"}, content_type="application/json")
    assert late.status_code == 400 and late.json()["code"] == "already_published"


def test_the_page_edits_in_place(setting):
    cohort, tutor, _, _ = setting
    thread = schedule(cohort, tutor)
    client = signed_in(tutor)
    page = client.get(f"/cohorts/{cohort.pk}/scheduled/").content.decode()
    assert f'name="t{thread.pk}-body"' in page and "What went well?</textarea>" in page
    when = (timezone.localtime() + timedelta(days=4)).strftime("%Y-%m-%dT10:00")
    response = client.post(
        f"/threads/{thread.pk}/reschedule/",
        {
            f"t{thread.pk}-title": "Week 1, rewritten",
            f"t{thread.pk}-body": "Which lesson *stuck*?",
            f"t{thread.pk}-publish_at": when,
        },
    )
    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).title == "Week 1, rewritten"
    assert "<em>stuck</em>" in _opening(thread).body_html
    refused = client.post(
        f"/threads/{thread.pk}/reschedule/",
        {
            f"t{thread.pk}-title": "Week 1, emptied",
            f"t{thread.pk}-body": "",
            f"t{thread.pk}-publish_at": when,
        },
        follow=True,
    )
    assert "Write something" in refused.content.decode()
    assert Thread.objects.get(pk=thread.pk).title == "Week 1, rewritten"


def test_words_edited_away_are_neither_replayed_nor_found(
    setting, django_capture_on_commit_callbacks
):
    cohort, tutor, _, (nqt1, _) = setting
    with django_capture_on_commit_callbacks(execute=True):
        thread = schedule(cohort, tutor, hours=1, body="ocelotfirstdraft")
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.reschedule_thread(
            thread=thread.pk, by=tutor, body="tapirsecond words", title="Week 1: okapititle"
        )
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.publish_due(now=thread.publish_at + timedelta(minutes=1))
    _, replayed = log.events_after(thread_group(thread.pk), 0)
    assert replayed
    for event in replayed:
        for text in event.texts().values():
            assert "ocelotfirstdraft" not in text
    found = search_page(user=nqt1, cohort=cohort, query="tapirsecond", limit=10, cursor=None)
    assert [r.thread_id for r in found.items] == [thread.pk]
    # The opening post indexes the thread's title too: the new one.
    titled = search_page(user=nqt1, cohort=cohort, query="okapititle", limit=10, cursor=None)
    assert [r.thread_id for r in titled.items] == [thread.pk]
    gone = search_page(user=nqt1, cohort=cohort, query="ocelotfirstdraft", limit=10, cursor=None)
    assert list(gone.items) == []
