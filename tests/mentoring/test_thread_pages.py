"""Long threads come a page at a time; a link to a post lands on its page; "first unread"
lands on the first post written since the last visit; boards, search, tags, the cohort's
activity and notifications page too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.boards import selectors
from mentoring.boards.services import posts as services
from mentoring.models import Board, Notification, Post, Thread, ThreadReadState
from tests.factories import signed_in

pytestmark = pytest.mark.django_db
PER_PAGE = selectors.POSTS_PER_PAGE


@pytest.fixture
def board(cohort):
    return Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)


@pytest.fixture
def long_thread(board, members):
    """A thread of 2½ pages: the opening post and then posts a second apart."""
    thread = services.create_thread(board=board, author=members[0], title="Long", body="post 0")
    start = timezone.now() - timedelta(hours=1)  # all in the past: new posts come last
    thread.posts.update(created_at=start)
    Post.objects.bulk_create(
        Post(
            thread=thread,
            cohort=board.cohort,
            author=members[i % 2],
            body=f"post {i}",
            body_html=f"<p>post {i}</p>",
            created_at=start + timedelta(seconds=i),
            editable_until=start,
        )
        for i in range(1, 2 * PER_PAGE + PER_PAGE // 2)
    )
    return thread


def _post(thread, n: int) -> Post:
    return Post.objects.get(thread=thread, body=f"post {n}")


def test_pages_hold_a_fixed_number_of_posts_and_link_to_each_other(long_thread, members):
    client = signed_in(members[2])
    first = client.get(f"/threads/{long_thread.pk}/").content.decode()
    assert first.count('class="post-item"') == PER_PAGE
    assert "<p>post 0</p>" in first and f"<p>post {PER_PAGE}</p>" not in first
    assert 'href="?page=2" rel="next"' in first and "page 1 of 3" in first
    assert 'data-last-page="0"' in first
    last = client.get(f"/threads/{long_thread.pk}/?page=3").content.decode()
    assert last.count('class="post-item"') == PER_PAGE // 2
    assert 'data-last-page="1"' in last and 'rel="next"' not in last
    assert "page 3 of 3" in client.get(f"/threads/{long_thread.pk}/?page=last").content.decode()
    for bad in ("4", "0", "x"):
        assert client.get(f"/threads/{long_thread.pk}/?page={bad}").status_code == 404


def test_a_link_to_a_post_lands_on_its_page(long_thread, members):
    post = _post(long_thread, PER_PAGE + 3)
    url = post.get_absolute_url()
    assert url == f"/threads/{long_thread.pk}/?post={post.pk}#post-{post.pk}"
    page = signed_in(members[2]).get(url).content.decode()
    assert f'id="post-{post.pk}"' in page and "page 2 of 3" in page
    # A reply link on a later page shows the post it replies to.
    assert (
        "page 3 of 3"
        in signed_in(members[2])
        .get(f"/threads/{long_thread.pk}/?reply_to={_post(long_thread, 2 * PER_PAGE + 1).pk}")
        .content.decode()
    )


def test_a_reply_to_a_post_on_an_earlier_page_says_what_it_answers(long_thread, members):
    parent = _post(long_thread, 1)
    reply = services.create_post(
        thread=long_thread, author=members[1], body="late answer", reply_to=parent
    )
    page = signed_in(members[2]).get(reply.get_absolute_url()).content.decode()
    assert "In reply to an earlier post" in page
    assert f'href="?post={parent.pk}#post-{parent.pk}"' in page


def test_first_unread_lands_on_the_first_new_post_by_someone_else(long_thread, members):
    reader = members[2]
    seen_until = _post(long_thread, PER_PAGE + 4).created_at
    ThreadReadState.objects.create(
        user=reader, thread=long_thread, first_read_at=seen_until, last_read_at=seen_until
    )
    response = signed_in(reader).get(f"/threads/{long_thread.pk}/unread/")
    first_new = _post(long_thread, PER_PAGE + 5)
    assert response.status_code == 302
    assert response["Location"] == f"/threads/{long_thread.pk}/?page=2#post-{first_new.pk}"
    page = signed_in(reader).get(response["Location"]).content.decode()
    assert "new since your last visit" in page


def test_first_unread_with_nothing_new_goes_to_the_last_page(long_thread, members):
    ThreadReadState.objects.create(
        user=members[2], thread=long_thread, last_read_at=timezone.now() + timedelta(days=1)
    )
    response = signed_in(members[2]).get(f"/threads/{long_thread.pk}/unread/")
    assert response["Location"] == f"/threads/{long_thread.pk}/?page=3"
    assert signed_in(members[2]).get(f"/threads/{long_thread.pk}/unread/").status_code == 302


def test_strangers_get_404_for_pages_and_jumps(long_thread, outsider):
    client = signed_in(outsider)
    for path in ("", "?page=2", f"?post={_post(long_thread, 3).pk}", "unread/"):
        assert client.get(f"/threads/{long_thread.pk}/{path}").status_code == 404


def test_posting_on_a_later_page_redirects_to_the_new_post_on_the_last_page(long_thread, members):
    response = signed_in(members[2]).post(f"/threads/{long_thread.pk}/", {"body": "newest"})
    post = Post.objects.get(body="newest")
    assert response["Location"] == post.get_absolute_url()
    page = signed_in(members[2]).get(response["Location"]).content.decode()
    assert "page 3 of 3" in page and "newest" in page


def test_board_pages_threads_with_a_cursor(board, members):
    now = timezone.now()
    Thread.objects.bulk_create(
        Thread(
            board=board,
            cohort=board.cohort,
            author=members[0],
            title=f"Topic {i:03d}",
            created_at=now,
            last_activity_at=now - timedelta(minutes=i),
        )
        for i in range(selectors.THREADS_PAGE.default + 5)
    )
    client = signed_in(members[1])
    first = client.get(f"/boards/{board.pk}/").content.decode()
    assert "Topic 000" in first and "Topic 050" not in first
    assert first.count('class="thread-summary') == selectors.THREADS_PAGE.default
    next_url = (
        first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    )
    second = client.get(next_url).content.decode()
    assert "Topic 050" in second and "Topic 054" in second and "Topic 000" not in second
    assert client.get(f"/boards/{board.pk}/?cursor=nonsense").status_code == 400


def test_activity_search_tags_and_notifications_page(board, members):
    author = members[0]
    thread = services.create_thread(board=board, author=author, title="Marking", body="#marking")
    start = timezone.now()
    Post.objects.bulk_create(
        Post(
            thread=thread,
            cohort=board.cohort,
            author=author,
            body=f"marking load {i} #marking",
            body_html=f"<p>marking load {i}</p>",
            hashtags=["marking"],
            created_at=start + timedelta(seconds=i + 1),
            editable_until=start,
        )
        for i in range(60)
    )
    from django.contrib.postgres.search import SearchVector

    Post.objects.filter(thread=thread).update(search_vector=SearchVector("body", config="english"))
    client = signed_in(members[1])
    home = client.get(f"/cohorts/{board.cohort_id}/").content.decode()
    assert home.count('class="activity-item"') == selectors.ACTIVITY_PAGE.default
    assert 'rel="next"' in home
    tags = client.get(f"/cohorts/{board.cohort_id}/tags/marking/").content.decode()
    assert tags.count('class="search-result"') == selectors.RESULTS_PAGE.default
    assert 'rel="next"' in tags
    found = client.get(f"/cohorts/{board.cohort_id}/search/?q=marking").content.decode()
    assert found.count('class="search-result"') == selectors.RESULTS_PAGE.default
    assert "more on the next" in found

    Notification.objects.bulk_create(
        Notification(user=members[1], kind=Notification.Kind.NUDGE, title=f"n{i}", url="/")
        for i in range(70)
    )
    listed = client.get("/notifications/").content.decode()
    assert 'rel="next"' in listed and "More notifications" in listed
