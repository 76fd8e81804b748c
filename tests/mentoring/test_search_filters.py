"""The cohort search page's filters: author (as the searcher may see them), board, dates and
only unread; bad filters are field errors; paging keeps the filters."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from mentoring.boards.services import posts
from mentoring.models import Board, Post, ThreadReadState
from tests.factories import make_cohort, signed_in

from .boards_helpers import general_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(tutor, members):
    cohort = make_cohort(
        name="Search", tutors=[tutor], members=members, allow_anonymous_to_peers=True
    )
    board = general_board(cohort)
    named = posts.create_thread(
        board=board, author=members[0], title="Named", body="marking rubric named"
    )
    quiet = posts.create_thread(
        board=board, author=members[0], title="Quiet", body="marking rubric quiet", anonymous=True
    )
    other = posts.create_thread(
        board=board, author=members[1], title="Other", body="marking rubric other"
    )
    return cohort, named, quiet, other


def _titles(response) -> set[str]:
    assert response.status_code == 200
    return {post.thread.title for post in response.context["results"]}


def _search(user, cohort, **params):
    return signed_in(user).get(f"/cohorts/{cohort.pk}/search/", params)


def test_author_filter_never_finds_anonymous_posts_for_peers(setting, tutor, members):
    cohort, *_ = setting
    assert _titles(_search(members[1], cohort, q="rubric", author="member 1")) == {"Named"}
    # Without words too, and by username.
    assert _titles(_search(members[1], cohort, author="member1")) == {"Named"}
    page = _search(members[2], cohort, author="Member 1").content.decode()
    assert "Quiet" not in page and "marking rubric quiet" not in page
    # The author finds their own; tutors see who wrote it.
    assert _titles(_search(members[0], cohort, author="Member 1")) == {"Named", "Quiet"}
    assert _titles(_search(tutor, cohort, author="Member 1")) == {"Named", "Quiet"}


def test_board_filter_and_a_board_the_searcher_cannot_pick(setting, members):
    cohort, *_ = setting
    board = general_board(cohort)
    other_board = Board.objects.exclude(cohort=cohort).first() or general_board(
        make_cohort(name="Elsewhere")
    )
    ask = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    found = _titles(_search(members[1], cohort, q="rubric", board=board.pk))
    assert found == {"Named", "Quiet", "Other"}
    assert _titles(_search(members[1], cohort, q="rubric", board=ask.pk)) == set()
    refused = _search(members[1], cohort, q="rubric", board=other_board.pk)
    assert refused.status_code == 400
    assert "board" in refused.context["search_form"].errors
    assert refused.context["results"] == []


@time_machine.travel("2027-03-10 12:00:00+00:00", tick=True)
def test_date_range(setting, members):
    cohort, named, quiet, other = setting
    zone = timezone.get_current_timezone()
    Post.objects.filter(thread=named).update(created_at=datetime(2027, 3, 1, 9, tzinfo=zone))
    Post.objects.filter(thread=quiet).update(created_at=datetime(2027, 3, 5, 23, tzinfo=zone))
    Post.objects.filter(thread=other).update(created_at=datetime(2027, 3, 9, 9, tzinfo=zone))
    peer = members[2]
    assert _titles(_search(peer, cohort, q="rubric", since="2027-03-02")) == {"Quiet", "Other"}
    assert _titles(_search(peer, cohort, q="rubric", until="2027-03-05")) == {"Named", "Quiet"}
    both = _search(peer, cohort, since="2027-03-05", until="2027-03-05")
    assert _titles(both) == {"Quiet"}


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"since": "not-a-date"}, "since", "invalid"),
        ({"until": "2027-02-30"}, "until", "invalid"),
        ({"since": "0001-01-01"}, "since", "date_out_of_range"),
        ({"until": "9999-12-31"}, "until", "date_out_of_range"),
        ({"since": "2027-03-05", "until": "2027-03-01"}, "until", "date_order"),
        ({"board": "abc"}, "board", "invalid_choice"),
    ],
)
@time_machine.travel("2027-03-10 12:00:00+00:00", tick=True)
def test_bad_filters_are_field_errors(setting, members, params, field, code):
    cohort, *_ = setting
    response = _search(members[1], cohort, q="rubric", **params)
    assert response.status_code == 400
    form = response.context["search_form"]
    assert [e.code for e in form.errors.as_data()[field]] == [code]
    assert f'id="id_{field}_error"' in response.content.decode()


def test_only_unread(setting, members):
    cohort, named, quiet, other = setting
    reader = members[2]
    later = timezone.now() + timedelta(minutes=5)
    ThreadReadState.objects.create(user=reader, thread=named, last_read_at=later)
    ThreadReadState.objects.create(user=reader, thread=other, last_read_at=later)
    assert _titles(_search(reader, cohort, q="rubric", unread="on")) == {"Quiet"}
    # Your own posts are never unread to you.
    assert _titles(_search(members[1], cohort, q="rubric", unread="on")) == {"Named", "Quiet"}


def test_paging_keeps_the_filters(setting, members):
    cohort, named, *_ = setting
    board = general_board(cohort)
    for n in range(3):
        posts.create_post(thread=named, author=members[0], body=f"rubric reply {n}")
    client = signed_in(members[1])
    params = {"q": "rubric", "author": "Member 1", "board": board.pk, "limit": 2}
    first = client.get(f"/cohorts/{cohort.pk}/search/", params)
    next_url = first.context["pager"]["next_url"]
    assert "author=Member+1" in next_url and f"board={board.pk}" in next_url
    seen = [p.pk for p in first.context["results"]]
    while next_url:
        page = client.get(next_url)
        seen += [p.pk for p in page.context["results"]]
        next_url = page.context["pager"]["next_url"]
    expected = Post.objects.filter(thread=named)
    assert sorted(seen) == sorted(expected.values_list("pk", flat=True))
    # A cursor handed out for other filters is refused.
    cursor = first.context["pager"]["next_url"].split("cursor=")[1].split("&")[0]
    other = client.get(
        f"/cohorts/{cohort.pk}/search/", {"q": "rubric", "author": "Member 2", "cursor": cursor}
    )
    assert other.status_code == 400
