"""Issue 9 #1: retracting an anonymous opening post never names the thread's author to peers.

The thread's author and its anonymity are stored on the thread, so whichever post is now first
changes nothing: the thread API, the board's thread list, the thread page, the cohort's activity
and search all keep "a member of this cohort" for peers (and the real name for tutors).
"""

from __future__ import annotations

import pytest
from django.test import Client

from mentoring.boards import selectors
from mentoring.boards.services import posts
from mentoring.models import Thread
from mentoring.rules.visibility import ANONYMOUS_NAME
from tests.factories import UserFactory, make_cohort

from .boards_helpers import general_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    tutor = UserFactory(username="tutor_p", display_name="Tess Tutor")
    author = UserFactory(username="shy", display_name="Sam Shy")
    peer = UserFactory(username="peer", display_name="Pat Peer")
    third = UserFactory(username="third", display_name="Terry Third")
    cohort = make_cohort(
        name="Privacy", tutors=[tutor], members=[author, peer, third], allow_anonymous_to_peers=True
    )
    thread = posts.create_thread(
        board=general_board(cohort),
        author=author,
        title="Worried about observation",
        body="I freeze when observed.",
        anonymous=True,
    )
    return tutor, author, peer, third, cohort, thread


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_thread_stores_its_opening_post_and_anonymity(setting):
    *_, thread = setting
    thread.refresh_from_db()
    assert thread.anonymous is True
    assert thread.first_post == thread.posts.get()


@pytest.mark.parametrize("replies", [True, False], ids=["tombstone", "deleted"])
def test_retracting_the_anonymous_opening_post_keeps_the_author_hidden(setting, api, replies):
    tutor, author, peer, third, cohort, thread = setting
    opening = thread.posts.get()
    # A peer answers at the top level (the answer becomes the "first" remaining post when the
    # opening post goes); with ``replies`` someone also replies to the opening post.
    posts.create_post(thread=thread, author=peer, body="Me too, it gets easier.")
    if replies:
        posts.create_post(thread=thread, author=third, body="Same here", reply_to=opening)
    posts.retract_post(post=opening, by=author)
    thread = Thread.objects.get(pk=thread.pk)
    assert thread.anonymous and thread.author == author

    for viewer in (peer, third):
        api_thread = api(viewer).get(f"/api/v1/threads/{thread.pk}").data
        assert api_thread["author"] == ANONYMOUS_NAME
        listing = api(viewer).get(f"/api/v1/boards/{thread.board_id}/threads").data
        assert [t["author"] for t in listing] == [ANONYMOUS_NAME]
        page = _signed_in(viewer).get(f"/threads/{thread.pk}/").content.decode()
        assert "Sam Shy" not in page and f"Started by {ANONYMOUS_NAME}" in page
        board_page = _signed_in(viewer).get(f"/boards/{thread.board_id}/").content.decode()
        assert "Sam Shy" not in board_page
        home = _signed_in(viewer).get(f"/cohorts/{cohort.pk}/").content.decode()
        assert "Sam Shy" not in home
        found = selectors.search_page(user=viewer, cohort=cohort, query="easier").items
        assert found and all(p.shown_author != "Sam Shy" for p in found)

    # The author and the tutors still see who started it.
    assert api(author).get(f"/api/v1/threads/{thread.pk}").data["author"] == "Sam Shy"
    assert api(tutor).get(f"/api/v1/threads/{thread.pk}").data["author"] == "Sam Shy"
    tutor_list = api(tutor).get(f"/api/v1/boards/{thread.board_id}/threads").data
    assert [t["author"] for t in tutor_list] == ["Sam Shy"]


def test_a_named_thread_shows_its_author_to_peers(setting, api):
    tutor, author, peer, third, cohort, _ = setting
    named = posts.create_thread(
        board=general_board(cohort), author=peer, title="Open", body="Named start"
    )
    assert api(third).get(f"/api/v1/threads/{named.pk}").data["author"] == "Pat Peer"


def test_the_reply_notification_to_the_thread_author_does_not_name_an_anonymous_replier(setting):
    tutor, author, peer, third, cohort, thread = setting
    posts.create_post(thread=thread, author=peer, body="hidden me", anonymous=True)
    note = author.notifications.get()
    assert "Pat Peer" not in note.title and ANONYMOUS_NAME.capitalize() in note.title
