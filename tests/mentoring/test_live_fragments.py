"""The fragments live pages swap in (live.js ``swapFragment``): each is the page's own region,
rendered by the same include, so a live page reads exactly like a fresh one; a fragment's pager
leads to its page, never to the bare fragment."""

from __future__ import annotations

import re

import pytest

from mentoring.boards.services import posts
from mentoring.participation.services import counters as participation
from tests.factories import UserFactory, make_cohort, signed_in
from tests.mentoring.boards_helpers import general_board, private_board
from tests.mentoring.test_inbox_pages import busy_inbox  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def region(html: str, start: str, end: str) -> str:
    """The text from ``start`` to the first ``end`` after it, both included."""
    assert start in html, start
    rest = html.split(start, 1)[1]
    return start + rest.split(end, 1)[0] + end


def counts_and_charts(html: str) -> tuple[str, str]:
    return (
        region(html, '<section id="dashboard-counts"', "</section>"),
        region(html, '<div class="charts" id="dashboard-charts">', "</figure>\n  </div>"),
    )


@pytest.fixture
def small_cohort(db):
    tutor = UserFactory(username="tess")
    people = [UserFactory(username=f"m{i}") for i in range(3)]
    cohort = make_cohort(name="Small", tutors=[tutor], members=people)
    thread = posts.create_thread(
        board=general_board(cohort), author=tutor, title="Welcome", body="Hello"
    )
    return cohort, tutor, people, thread


def test_dashboard_summary_is_the_pages_cards_and_charts(small_cohort):
    cohort, tutor, people, thread = small_cohort
    client = signed_in(tutor)
    url = f"/cohorts/{cohort.pk}/dashboard/summary/"

    participation.record_thread_read(user=people[0], thread=thread)
    posts.create_post(thread=thread, author=people[1], body="Hi all")
    page = client.get(f"/cohorts/{cohort.pk}/dashboard/").content.decode()
    response = client.get(url)
    assert response.status_code == 200
    fragment = response.content.decode()
    # Both regions, exactly as the page has them (a filtered page too: the counts are the
    # whole cohort's).
    assert counts_and_charts(fragment) == counts_and_charts(page)
    filtered = client.get(f"/cohorts/{cohort.pk}/dashboard/?status=reader").content.decode()
    assert counts_and_charts(filtered) == counts_and_charts(fragment)
    assert '<span class="count" data-count="reader">1</span>' in fragment
    assert '<span class="count" data-count="contributor">1</span>' in fragment
    assert '<span class="count" data-count="inactive">1</span>' in fragment
    assert "1 (33%)" in fragment  # the chart's label, worked out by charts.py only
    # The invited list and the table stay on the page.
    assert "<table" not in fragment and 'id="invited"' not in fragment


def test_dashboard_summary_moves_with_the_counts(small_cohort):
    cohort, tutor, people, thread = small_cohort
    client = signed_in(tutor)
    url = f"/cohorts/{cohort.pk}/dashboard/summary/"
    assert '<span class="count" data-count="inactive">3</span>' in client.get(url).content.decode()
    participation.record_thread_read(user=people[2], thread=thread)
    after = client.get(url).content.decode()
    assert '<span class="count" data-count="inactive">2</span>' in after
    assert '<span class="count" data-count="reader">1</span>' in after
    assert signed_in(people[0]).get(url).status_code == 404


def test_inbox_items_are_the_pages_list_and_page_to_the_page(busy_inbox):  # noqa: F811
    cohort, tutor, _ = busy_inbox
    client = signed_in(tutor)
    page = client.get(f"/cohorts/{cohort.pk}/inbox/?limit=3").content.decode()
    response = client.get(f"/cohorts/{cohort.pk}/inbox/items/?limit=3")
    assert response.status_code == 200
    fragment = CSRF.sub("", response.content.decode())
    assert region(fragment, '<div id="inbox-list">', "</ol>") == region(
        CSRF.sub("", page), '<div id="inbox-list">', "</ol>"
    )
    # The next page is the inbox page's, with the fragment's query.
    next_url = re.search(r'<a href="([^"]+)" rel="next"', fragment).group(1)
    assert next_url.startswith(f"/cohorts/{cohort.pk}/inbox/?limit=3&amp;cursor=")
    # The second page's fragment: the second page's list, and a way back to the first page.
    second = client.get(next_url.replace("&amp;", "&").replace("/inbox/?", "/inbox/items/?"))
    assert f'<a href="/cohorts/{cohort.pk}/inbox/?limit=3">Oldest</a>' in second.content.decode()


def test_board_threads_are_the_boards_own_list(small_cohort):
    cohort, tutor, people, thread = small_cohort
    board = general_board(cohort)
    client = signed_in(people[0])
    page = client.get(f"/boards/{board.pk}/").content.decode()
    response = client.get(f"/boards/{board.pk}/threads/")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert region(fragment, '<div id="board-threads">', "</ul>") == region(
        page, '<div id="board-threads">', "</ul>"
    )
    assert "Welcome" in fragment and "Start a thread" not in fragment
    # A board the reader cannot see is a 404, as its page.
    outsider = UserFactory(username="outsider")
    assert signed_in(outsider).get(f"/boards/{board.pk}/threads/").status_code == 404
    private = private_board(cohort)
    assert client.get(f"/boards/{private.pk}/threads/").status_code == 200
