"""Pinned and locked threads: tutors pin a thread to the top of its board and lock it against
new posts (everyone's, tutors' too); members see the badges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.boards import selectors
from mentoring.boards.services import moderation, posts
from mentoring.core.errors import Forbidden, NotFound
from mentoring.models import Cohort, Post, Thread
from tests.factories import UserFactory, make_cohort

from .boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db


def _threads(cohort, author, titles):
    """Threads whose last activity runs oldest → newest in the order given."""
    start = timezone.now() - timedelta(days=1)
    made = []
    for i, title in enumerate(titles):
        thread = posts.create_thread(
            board=general_board(cohort), author=author, title=title, body="b"
        )
        Thread.objects.filter(pk=thread.pk).update(last_activity_at=start + timedelta(minutes=i))
        made.append(thread)
    return made


def _titles(user, cohort, *, limit=50):
    board = selectors.visible_board(user=user, board_id=general_board(cohort).pk)
    titles, cursor = [], None
    while True:
        page = selectors.board_threads_page(user=user, board=board, limit=limit, cursor=cursor)
        titles += [t.title for t in page.items]
        if page.next_cursor is None:
            return titles
        cursor = page.next_cursor


def test_only_the_cohorts_tutors_pin_and_lock(cohort, tutor, members, outsider):
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="T", body="b"
    )
    for service in (
        moderation.pin_thread,
        moderation.unpin_thread,
        moderation.lock_thread,
        moderation.unlock_thread,
    ):
        with pytest.raises(Forbidden):
            service(thread=thread.pk, by=members[0])  # its author, who can see it
        with pytest.raises(NotFound):
            service(thread=thread.pk, by=outsider)
    other_tutor = UserFactory()
    make_cohort(name="Other", tutors=[other_tutor], members=[])
    with pytest.raises(NotFound):
        moderation.pin_thread(thread=thread.pk, by=other_tutor)
    with pytest.raises(NotFound):
        moderation.pin_thread(thread=999_999, by=tutor)
    assert Thread.objects.get(pk=thread.pk).pinned_at is None
    moderation.pin_thread(thread=thread.pk, by=tutor)
    moderation.lock_thread(thread=thread.pk, by=tutor)
    stored = Thread.objects.get(pk=thread.pk)
    assert stored.is_pinned and stored.is_locked
    moderation.unpin_thread(thread=thread.pk, by=tutor)
    moderation.unlock_thread(thread=thread.pk, by=tutor)
    stored = Thread.objects.get(pk=thread.pk)
    assert not stored.is_pinned and not stored.is_locked


def test_a_peer_cannot_learn_of_an_ask_a_tutor_thread_by_pinning_it(cohort, members):
    thread = posts.create_thread(
        board=private_board(cohort), author=members[0], title="Q", body="b"
    )
    with pytest.raises(NotFound):
        moderation.pin_thread(thread=thread.pk, by=members[1])
    with pytest.raises(Forbidden):
        moderation.pin_thread(thread=thread.pk, by=members[0])


def test_pinning_twice_keeps_the_first_time(cohort, tutor, members):
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="T", body="b"
    )
    first = moderation.pin_thread(thread=thread.pk, by=tutor).pinned_at
    assert moderation.pin_thread(thread=thread.pk, by=tutor).pinned_at == first


def test_an_archived_cohorts_threads_are_neither_pinned_nor_locked(cohort, tutor, members):
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="T", body="b"
    )
    Cohort.objects.filter(pk=cohort.pk).update(archived_at=timezone.now())
    for service in (moderation.pin_thread, moderation.lock_thread):
        with pytest.raises(Forbidden) as refused:
            service(thread=thread.pk, by=tutor)
        assert refused.value.code == "cohort_archived"


def test_pinned_threads_list_first_in_the_boards_order(cohort, tutor, members):
    a, b, c, d = _threads(cohort, members[0], ["a", "b", "c", "d"])  # d newest
    assert _titles(members[1], cohort) == ["d", "c", "b", "a"]
    moderation.pin_thread(thread=a.pk, by=tutor)
    moderation.pin_thread(thread=c.pk, by=tutor)
    # Pinned first, newest activity first among them, then the rest as before.
    assert _titles(members[1], cohort) == ["c", "a", "d", "b"]


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_paging_across_pinned_and_unpinned_threads_misses_and_repeats_nothing(
    cohort, tutor, members, limit
):
    threads = _threads(cohort, members[0], ["a", "b", "c", "d", "e"])
    for thread in threads[:3:2]:  # a and c
        moderation.pin_thread(thread=thread.pk, by=tutor)
    assert _titles(members[1], cohort, limit=limit) == ["c", "a", "e", "d", "b"]


def test_a_locked_thread_takes_no_posts_from_anyone(cohort, tutor, members):
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="T", body="b"
    )
    moderation.lock_thread(thread=thread.pk, by=tutor)
    for user in (members[0], members[1], tutor):
        with pytest.raises(Forbidden) as refused:
            posts.create_post(thread=thread, author=user, body="More")
        assert refused.value.code == "thread_locked"
    assert Post.objects.filter(thread=thread).count() == 1
    moderation.unlock_thread(thread=thread.pk, by=tutor)
    posts.create_post(thread=thread, author=members[1], body="More")
    assert Post.objects.filter(thread=thread).count() == 2


# --- Pages ------------------------------------------------------------------------------------
def test_the_thread_page_of_a_locked_thread_hides_the_reply_form(client, cohort, tutor, members):
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="T", body="b"
    )
    moderation.lock_thread(thread=thread.pk, by=tutor)
    client.force_login(members[1])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "This thread is locked" in page and 'id="reply"' not in page
    assert "Locked</span>" in page
    assert "thread_moderate" not in page and "/moderate/" not in page  # no buttons for members
    refused = client.post(thread.get_absolute_url(), {"body": "Sneaking in"})
    assert refused.status_code == 400 and "locked" in refused.content.decode()
    assert Post.objects.filter(thread=thread).count() == 1


def test_tutors_pin_and_lock_with_the_buttons(client, cohort, tutor, members):
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="T", body="b"
    )
    client.force_login(tutor)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f"/threads/{thread.pk}/moderate/" in page and "Pin to the top" in page
    url = f"/threads/{thread.pk}/moderate/"
    for action in ("pin", "lock"):
        assert client.post(url, {"action": action}).status_code == 302
    stored = Thread.objects.get(pk=thread.pk)
    assert stored.is_pinned and stored.is_locked
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Unpin" in page and "Unlock" in page and "This thread is locked" in page
    board = client.get(f"/boards/{thread.board_id}/").content.decode()
    assert "Pinned</span>" in board and "Locked</span>" in board
    home = client.get(f"/cohorts/{cohort.pk}/").content.decode()
    assert "Pinned</span>" in home
    for action in ("unpin", "unlock"):
        client.post(url, {"action": action})
    stored = Thread.objects.get(pk=thread.pk)
    assert not stored.is_pinned and not stored.is_locked
    client.force_login(members[1])
    assert client.post(url, {"action": "pin"}).status_code == 404
    assert not Thread.objects.get(pk=thread.pk).is_pinned


def test_the_thread_state_fragment_is_the_pages_own(client, cohort, tutor, members):
    """What the live page fetches on ``thread.moderated``: badges, notice and reply form as the
    page renders them for this reader; the buttons for tutors only."""
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="T", body="b"
    )
    url = f"/threads/{thread.pk}/state/"
    client.force_login(members[1])
    open_state = client.get(url).content.decode()
    assert 'id="thread-badges" data-pinned="0" data-locked="0"' in open_state
    assert 'id="reply"' in open_state and 'name="body"' in open_state
    assert 'id="thread-moderation"' not in open_state
    moderation.pin_thread(thread=thread.pk, by=tutor)
    moderation.lock_thread(thread=thread.pk, by=tutor)
    locked = client.get(url).content.decode()
    assert 'data-pinned="1" data-locked="1"' in locked and "Locked</span>" in locked
    assert "This thread is locked" in locked and 'id="reply"' not in locked
    # The page draws the same parts with the same ids.
    page = client.get(thread.get_absolute_url()).content.decode()
    assert 'id="thread-badges" data-pinned="1" data-locked="1"' in page
    assert f'data-state-url="{url}"' in page
    client.force_login(tutor)
    tutors = client.get(url).content.decode()
    assert 'id="thread-moderation"' in tutors and "Unlock" in tutors and "Unpin" in tutors
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
