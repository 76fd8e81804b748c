"""The tutor inbox and the notifications that tell tutors: questions, flags, unanswered threads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from mentoring.boards.services import moderation, posts
from mentoring.inbox.selectors import cohort_inbox
from mentoring.inbox.services import inbox
from mentoring.models import Notification, Thread, User
from mentoring.notifications.services.tasks import send_daily_digest, send_notification_email
from tests.factories import UserFactory, make_cohort
from tests.mentoring.boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    tutor = UserFactory(username="tess", display_name="Tess Tutor")
    second_tutor = UserFactory(username="tom", display_name="Tom Tutor")
    asker, peer = UserFactory(username="asker"), UserFactory(username="peer")
    cohort = make_cohort(
        name="Inbox",
        tutors=[tutor, second_tutor],
        members=[asker, peer],
        allow_anonymous_to_peers=True,
    )
    return cohort, tutor, second_tutor, asker, peer


def kinds(cohort, now=None):
    return [(i.kind, i.thread_id, i.post_id) for i in cohort_inbox(cohort=cohort, now=now)]


def ask(cohort, asker, title="Parents' evening nerves"):
    return posts.create_thread(
        board=private_board(cohort), author=asker, title=title, body="How do I prepare?"
    )


def test_a_private_question_notifies_every_tutor_and_waits_until_a_tutor_answers(people):
    cohort, tutor, second_tutor, asker, peer = people
    thread = ask(cohort, asker)
    opening = thread.posts.get()
    for t in (tutor, second_tutor):
        n = Notification.objects.get(user=t, kind="question")
        assert "Asker asked on Ask a tutor" in n.title and n.post_id == opening.pk
    assert not Notification.objects.filter(user__in=[asker, peer]).exists()
    assert kinds(cohort) == [("question", thread.pk, opening.pk)]
    # The member adds a line: still one item, waiting since the first post.
    posts.create_post(thread=thread, author=asker, body="Also: what to wear?")
    assert kinds(cohort) == [("question", thread.pk, opening.pk)]
    assert Notification.objects.filter(user=tutor, kind="question").count() == 2
    posts.create_post(thread=thread, author=second_tutor, body="Bring your markbook.")
    assert kinds(cohort) == []
    # A follow-up after the answer is a new question, waiting since the follow-up.
    follow_up = posts.create_post(thread=thread, author=asker, body="Thanks! And reports?")
    assert kinds(cohort) == [("question", thread.pk, follow_up.pk)]


def test_retracting_the_question_withdraws_it(people):
    cohort, tutor, _, asker, _ = people
    thread = ask(cohort, asker)
    posts.retract_post(post=thread.posts.get(), by=asker)
    assert kinds(cohort) == []
    assert not Notification.objects.filter(user=tutor, kind="question").exists()


def test_anonymous_post_names_author_to_tutors_only(people):
    cohort, tutor, _, asker, peer = people
    thread = posts.create_thread(
        board=general_board(cohort), author=tutor, title="Week 3", body="How was it?"
    )
    post = posts.create_post(thread=thread, author=asker, body="Hard.", anonymous=True)
    moderation.flag_post(post=post, by=peer, reason="Worrying")
    n = Notification.objects.get(user=tutor, kind="flag")
    assert "Peer flagged a post by Asker" in n.title and "Worrying" in n.body
    # Peers get nothing that names the anonymous author.
    assert not Notification.objects.filter(user=peer).exclude(kind="reply").exists()
    assert kinds(cohort) == [("flag", thread.pk, post.pk)]


def test_a_flag_waits_until_resolved_and_comes_back_if_flagged_again(people):
    cohort, tutor, _, asker, peer = people
    thread = posts.create_thread(
        board=general_board(cohort), author=asker, title="Rota", body="Who covers?"
    )
    post = thread.posts.get()
    flag = moderation.flag_post(post=post, by=peer)
    moderation.flag_post(post=post, by=peer)  # twice changes nothing
    assert Notification.objects.filter(user=tutor, kind="flag").count() == 1
    assert [k for k, *_ in kinds(cohort)] == ["flag"]
    moderation.resolve_flag(flag=flag, by=tutor)
    assert kinds(cohort) == []
    moderation.flag_post(post=post, by=peer, reason="Again")
    assert [k for k, *_ in kinds(cohort)] == ["flag"]
    inbox.dismiss(cohort=cohort, kind="flag", thread_id=thread.pk, post_id=post.pk, by=tutor)
    assert kinds(cohort) == []


def test_a_members_thread_with_no_reply_for_the_cohorts_hours(people):
    cohort, tutor, _, asker, peer = people
    thread = posts.create_thread(
        board=general_board(cohort), author=asker, title="Marking load", body="Too much?"
    )
    posts.create_post(thread=thread, author=asker, body="Anyone?")  # own posts are no answer
    due = thread.created_at + timedelta(hours=48)
    assert kinds(cohort, now=due - timedelta(seconds=1)) == []
    assert kinds(cohort, now=due) == [("unanswered", thread.pk, None)]
    # The background check tells the tutors once, however often it runs.
    assert inbox.notify_unanswered(cohort_id=cohort.pk, now=due - timedelta(seconds=1)) == 0
    assert inbox.notify_unanswered(cohort_id=cohort.pk, now=due) == 1
    assert inbox.notify_unanswered(cohort_id=cohort.pk, now=due + timedelta(hours=1)) == 0
    told = Notification.objects.filter(kind="unanswered")
    assert sorted(told.values_list("user__username", flat=True)) == ["tess", "tom"]
    assert "No reply for 48 hours" in told.first().title
    # A peer's reply answers it.
    posts.create_post(thread=thread, author=peer, body="Same here.")
    assert kinds(cohort, now=due) == []


def test_tutors_threads_and_dismissed_threads_are_not_waiting(people):
    cohort, tutor, _, asker, _ = people
    posts.create_thread(board=general_board(cohort), author=tutor, title="Welcome", body="Hi")
    thread = posts.create_thread(
        board=general_board(cohort), author=asker, title="Hello", body="Hi all"
    )
    later = timezone.now() + timedelta(days=3)
    assert kinds(cohort, now=later) == [("unanswered", thread.pk, None)]
    inbox.dismiss(cohort=cohort, kind="unanswered", thread_id=thread.pk, post_id=None, by=tutor)
    assert kinds(cohort, now=later) == []


def test_the_unanswered_check_is_queued_for_when_the_thread_comes_due(
    people, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    cohort, _, _, asker, _ = people
    with django_capture_on_commit_callbacks(execute=True):
        thread = posts.create_thread(
            board=general_board(cohort), author=asker, title="Hello", body="Hi all"
        )
    queued = DBTaskResult.objects.filter(task_path__endswith="check_unanswered").get()
    assert queued.args_kwargs["args"] == [cohort.pk]
    assert abs(queued.run_after - (thread.created_at + timedelta(hours=48))) < timedelta(seconds=1)


def test_oldest_first_across_kinds(people):
    cohort, tutor, _, asker, peer = people
    old = posts.create_thread(board=general_board(cohort), author=peer, title="Old", body="x")
    Thread.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=5))
    question = ask(cohort, asker)
    assert [k for k, *_ in kinds(cohort)] == ["unanswered", "question"]
    assert kinds(cohort)[1][1] == question.pk


# --- API and pages ---------------------------------------------------------------------------
def test_api_lists_for_tutors_only(people, api):
    cohort, tutor, _, asker, _ = people
    thread = ask(cohort, asker)
    response = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/inbox")
    assert response.status_code == 200
    (item,) = response.data
    assert item["kind"] == "question" and item["thread_id"] == thread.pk
    assert item["post_id"] == thread.posts.get().pk and item["since"]
    assert {"waited_seconds", "title", "author", "url"} <= set(item)
    assert api(asker).get(f"/api/v1/cohorts/{cohort.pk}/inbox").status_code == 404
    assert (
        api(UserFactory(username="x")).get(f"/api/v1/cohorts/{cohort.pk}/inbox").status_code == 404
    )
    assert api(tutor).get("/api/v1/cohorts/999999/inbox").status_code == 404
    dismissed = api(tutor).post(
        f"/api/v1/cohorts/{cohort.pk}/inbox/dismissals",
        {"kind": "question", "thread_id": thread.pk},
    )
    assert dismissed.status_code == 204
    assert api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/inbox").data == []
    bad = api(tutor).post(
        f"/api/v1/cohorts/{cohort.pk}/inbox/dismissals", {"kind": "nope", "thread_id": thread.pk}
    )
    assert bad.status_code == 400 and bad.data["code"]
    assert (
        api(asker)
        .post(
            f"/api/v1/cohorts/{cohort.pk}/inbox/dismissals",
            {"kind": "question", "thread_id": thread.pk},
        )
        .status_code
        == 404
    )


def test_notifications_api_shows_the_kind(people, api):
    cohort, tutor, _, asker, _ = people
    thread = ask(cohort, asker)
    listed = api(tutor).get("/api/v1/notifications").data
    items = listed["notifications"]
    assert any(n["kind"] == "question" and n.get("thread_id") == thread.pk for n in items)


def test_inbox_page_and_home_count(people, wagtail_root):
    from demo.site import seed_home_page

    seed_home_page()
    cohort, tutor, _, asker, _ = people
    ask(cohort, asker)
    client = Client()
    client.force_login(tutor)
    page = client.get(f"/cohorts/{cohort.pk}/inbox/")
    assert page.status_code == 200
    assert 'data-kind="question"' in page.content.decode()
    home = client.get("/").content.decode()
    assert f'href="/cohorts/{cohort.pk}/inbox/"' in home and 'data-inbox-count="1"' in home
    member = Client()
    member.force_login(asker)
    assert member.get(f"/cohorts/{cohort.pk}/inbox/").status_code == 404


# --- Emails follow each tutor's preference --------------------------------------------------
def test_question_email_per_preference(people, settings):
    cohort, tutor, second_tutor, asker, _ = people
    User.objects.filter(pk=tutor.pk).update(email_preference="immediate")
    User.objects.filter(pk=second_tutor.pk).update(email_preference="off")
    Thread.objects.none()
    thread = ask(cohort, asker)
    immediate = Notification.objects.get(user=tutor, kind="question")
    off = Notification.objects.get(user=second_tutor, kind="question")
    assert off.email_due_at is None
    # Due when the question's grace period ends (it could still be retracted before).
    assert immediate.email_due_at == thread.posts.get().editable_until
    Notification.objects.filter(pk=immediate.pk).update(email_due_at=timezone.now())
    assert send_notification_email.call(immediate.pk) is True
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [tutor.email]
    assert "Parents' evening nerves" in mail.outbox[0].subject


def test_daily_digest_tutor_gets_the_flag_in_the_digest(people):
    cohort, tutor, _, asker, peer = people
    User.objects.filter(pk=tutor.pk).update(email_preference="daily")
    thread = posts.create_thread(
        board=general_board(cohort), author=asker, title="Rota", body="Who covers?"
    )
    from mentoring.models import Post

    Post.objects.filter(thread=thread).update(editable_until=timezone.now())
    moderation.flag_post(post=thread.posts.get(), by=peer, reason="Rude")
    assert not Notification.objects.get(user=tutor, kind="flag").email_due_at
    assert send_daily_digest.call(tutor.pk) == 1
    assert "Peer flagged a post by Asker" in mail.outbox[0].body
