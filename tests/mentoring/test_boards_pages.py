"""The server-rendered board pages: what a signed-in member or tutor sees and can do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.boards.services import posts
from mentoring.models import Post, ReadEvent, Thread, User
from tests.factories import make_cohort, signed_in

from .boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(cohort, members):
    return posts.create_thread(
        board=general_board(cohort),
        author=members[0],
        title="Lesson starters",
        body="Ideas? #starters",
    )


def test_start_a_thread_from_the_board_page(cohort, members):
    board = general_board(cohort)
    client = signed_in(members[0])
    assert "Start a thread" in client.get(f"/boards/{board.pk}/").content.decode()
    response = client.post(f"/boards/{board.pk}/", {"title": "Marking load", "body": "How?"})
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/threads/{thread.pk}/"


def test_empty_post_shows_a_field_error_and_writes_nothing(cohort, members, thread):
    response = signed_in(members[1]).post(f"/threads/{thread.pk}/", {"body": "  "})
    assert response.status_code == 400
    assert "Write something before posting." in response.content.decode()
    assert thread.posts.count() == 1


def test_overlong_post_shows_a_field_error(cohort, members, thread):
    response = signed_in(members[1]).post(f"/threads/{thread.pk}/", {"body": "x" * 20_001})
    assert response.status_code == 400 and "at most 20,000 characters" in response.content.decode()
    assert thread.posts.count() == 1


def test_thread_page_shows_posts_records_the_read_and_the_authors_countdown(
    cohort, members, thread
):
    reply = signed_in(members[1]).post(
        f"/threads/{thread.pk}/", {"body": "Try a *do now*", "reply_to": thread.posts.get().pk}
    )
    assert reply.status_code == 302
    own = signed_in(members[1]).get(f"/threads/{thread.pk}/").content.decode()
    assert "<em>do now</em>" in own
    assert own.count("data-editable-until") == 1  # only on their own post
    assert 'class="button secondary grace-action edit-post"' in own
    assert ReadEvent.objects.filter(user=members[1], thread=thread).count() == 1
    other = signed_in(members[2]).get(f"/threads/{thread.pk}/").content.decode()
    assert "data-editable-until" not in other and "Flag for a tutor" in other


def test_edit_after_the_grace_period_shows_a_clear_message(cohort, members, thread):
    post = thread.posts.get()
    Post.objects.filter(pk=post.pk).update(editable_until=timezone.now() - timedelta(seconds=1))
    client = signed_in(members[0])
    response = client.post(f"/posts/{post.pk}/edit/", {"body": "late"}, follow=True)
    page = response.content.decode()
    assert "The time to edit or retract this post is over" in page
    assert "data-editable-until" not in page
    assert Post.objects.get(pk=post.pk).body == "Ideas? #starters"
    response = client.post(f"/posts/{post.pk}/retract/", follow=True)
    assert "is over" in response.content.decode()
    assert Post.objects.filter(pk=post.pk).exists()


def test_edit_and_retract_within_the_grace_period(cohort, members, thread):
    post = thread.posts.get()
    client = signed_in(members[0])
    page = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert "data-editable-until" in page and "Ideas? #starters" in page
    client.post(f"/posts/{post.pk}/edit/", {"body": "Better ideas"})
    assert Post.objects.get(pk=post.pk).body == "Better ideas"
    response = client.post(f"/posts/{post.pk}/retract/")
    assert response.status_code == 302 and response["Location"] == f"/boards/{thread.board_id}/"
    assert not Post.objects.filter(pk=post.pk).exists()


def test_nobody_else_can_edit_a_post(cohort, members, thread):
    post = thread.posts.get()
    response = signed_in(members[1]).post(f"/posts/{post.pk}/edit/", {"body": "mine"}, follow=True)
    assert "Only its author can edit a post." in response.content.decode()
    assert Post.objects.get(pk=post.pk).body == "Ideas? #starters"


def test_ask_a_tutor_threads_are_404_for_peers(cohort, tutor, members):
    private = posts.create_thread(
        board=private_board(cohort), author=members[0], title="Worried", body="About SLT"
    )
    assert signed_in(members[1]).get(f"/threads/{private.pk}/").status_code == 404
    assert signed_in(tutor).get(f"/threads/{private.pk}/").status_code == 200
    board_page = signed_in(members[1]).get(f"/cohorts/{cohort.pk}/ask-a-tutor/", follow=True)
    assert "Worried" not in board_page.content.decode()
    assert "Only you and the cohort" in board_page.content.decode()


def test_cohort_home_tag_and_search_pages(cohort, members, thread):
    client = signed_in(members[1])
    home = client.get(f"/cohorts/{cohort.pk}/").content.decode()
    assert "Lesson starters" in home and "Ideas? #starters" in home
    assert "1 thread with new posts" in home
    tagged = client.get(f"/cohorts/{cohort.pk}/tags/starters/").content.decode()
    assert "Posts tagged #starters" in tagged and "Lesson starters" in tagged
    found = client.get(f"/cohorts/{cohort.pk}/search/", {"q": "ideas"}).content.decode()
    assert "1 result" in found and "<mark>Ideas</mark>" in found


def test_anonymous_posts_on_pages_and_fragments(tutor, members):
    cohort = make_cohort(
        name="Anon pages", tutors=[tutor], members=members, allow_anonymous_to_peers=True
    )
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="Quiet", body="hush", anonymous=True
    )
    post = thread.posts.get()
    for path in (
        f"/threads/{thread.pk}/",
        f"/threads/{thread.pk}/posts/{post.pk}/fragment/",
        f"/cohorts/{cohort.pk}/",
        f"/boards/{thread.board_id}/",
    ):
        peer = signed_in(members[1]).get(path).content.decode()
        assert "Member 1" not in peer, path
        assert "a member of this cohort" in peer.lower(), path
    assert "Member 1" in signed_in(tutor).get(f"/threads/{thread.pk}/").content.decode()


def test_moderation_queue_is_for_tutors(cohort, tutor, members, thread):
    post = thread.posts.get()
    signed_in(members[1]).post(f"/posts/{post.pk}/flag/", {"reason": "off topic"})
    assert signed_in(members[1]).get(f"/cohorts/{cohort.pk}/moderation/").status_code == 404
    queue = signed_in(tutor).get(f"/cohorts/{cohort.pk}/moderation/").content.decode()
    assert "off topic" in queue and "Lesson starters" in queue
    signed_in(tutor).post(f"/posts/{post.pk}/hide/", {"reason": "Please stay on topic"})
    peer = signed_in(members[1]).get(f"/threads/{thread.pk}/").content.decode()
    assert "hidden by a tutor" in peer and "#starters</a>" not in peer
    author = signed_in(members[0]).get(f"/threads/{thread.pk}/").content.decode()
    assert "Please stay on topic" in author


def test_email_preference_page(members):
    client = signed_in(members[0])
    assert "Daily digest" in client.get("/settings/notifications/").content.decode()
    client.post("/settings/notifications/", {"preference": "daily"})
    assert User.objects.get(pk=members[0].pk).email_preference == "daily"
    response = client.post("/settings/notifications/", {"preference": "hourly"})
    assert "Select a valid choice" in response.content.decode()
    assert User.objects.get(pk=members[0].pk).email_preference == "daily"


def test_a_reply_to_a_retracted_post_explains_why_it_failed(cohort, members, thread):
    first = thread.posts.get()
    posts.create_post(thread=thread, author=members[1], body="keeps it", reply_to=first)
    posts.retract_post(post=first, by=members[0])
    response = signed_in(members[2]).post(
        f"/threads/{thread.pk}/", {"body": "late reply", "reply_to": first.pk}
    )
    assert response.status_code == 400
    assert "That post was retracted by its author." in response.content.decode()
    assert thread.posts.count() == 2
