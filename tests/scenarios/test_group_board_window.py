"""Issue 9 #8: a scenario group's board follows its release.

Before the release opens, members neither see nor write on the board (list, read, write); while
it is open they do; after it closes they still read it but cannot write. Mentoring learns the
window from the stored ``Board.opens_at``/``closes_at`` the release services keep in step.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mentoring.boards.selectors import visible_boards
from mentoring.boards.services import posts
from mentoring.core.errors import Forbidden, NotFound
from scenarios.services.releases import change_closing, close_release, release_scenario
from tests.factories import UserFactory, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tutor):
    members = [UserFactory(username=f"w{i}") for i in range(4)]
    return tutor, members, make_cohort(name="Window", tutors=[tutor], members=members)


def _group_of(release, user):
    return release.groups.get(members=user)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_before_the_release_opens_members_cannot_list_read_or_write_its_boards(
    people, scenario, api
):
    tutor, members, cohort = people
    release = release_scenario(
        cohort=cohort,
        scenario=scenario,
        by=tutor,
        opens_at=timezone.now() + timedelta(days=2),
        group_size=2,
        rng=random.Random(3),
    )
    member = members[0]
    board = _group_of(release, member).board
    assert board.opens_at == release.opens_at
    assert board not in visible_boards(user=member, cohort=cohort)
    listed = api(member).get(f"/api/v1/cohorts/{cohort.pk}/boards").data
    assert board.pk not in {b["id"] for b in listed}
    assert api(member).get(f"/api/v1/boards/{board.pk}/threads").status_code == 404
    assert _signed_in(member).get(f"/boards/{board.pk}/").status_code == 404
    with pytest.raises(NotFound):
        posts.create_thread(board=board, author=member, title="Early", body="peek")
    written = api(member).post(f"/api/v1/boards/{board.pk}/threads", {"title": "x", "body": "y"})
    assert written.status_code == 404
    # The tutors prepare: they see the board, but nobody writes before it opens.
    assert board in visible_boards(user=tutor, cohort=cohort)
    with pytest.raises(Forbidden):
        posts.create_thread(board=board, author=tutor, title="Welcome", body="Soon")


def test_while_open_members_read_and_write_and_after_closing_only_read(people, scenario, api):
    tutor, members, cohort = people
    release = release_scenario(
        cohort=cohort, scenario=scenario, by=tutor, group_size=2, rng=random.Random(3)
    )
    member = members[0]
    board = _group_of(release, member).board
    assert board in visible_boards(user=member, cohort=cohort)
    made = api(member).post(f"/api/v1/boards/{board.pk}/threads", {"title": "Plan", "body": "Go"})
    assert made.status_code == 201
    thread_id = made.data["id"]

    close_release(release=release, by=tutor)
    board.refresh_from_db()
    assert board.closes_at is not None and board.closes_at <= timezone.now()
    # Still listed and readable ...
    assert board in visible_boards(user=member, cohort=cohort)
    assert api(member).get(f"/api/v1/threads/{thread_id}").status_code == 200
    page = _signed_in(member).get(f"/threads/{thread_id}/").content.decode()
    assert "This board is closed" in page and 'id="reply"' not in page
    # ... but nobody adds to it, through the API or the pages.
    refused = api(member).post(f"/api/v1/threads/{thread_id}/posts", {"body": "late"})
    assert refused.status_code == 403 and refused.data["code"] == "board_closed"
    refused = api(member).post(f"/api/v1/boards/{board.pk}/threads", {"title": "t", "body": "b"})
    assert refused.status_code == 403 and refused.data["code"] == "board_closed"
    own = made.data["posts"][0]["id"]
    refused = api(member).patch(f"/api/v1/posts/{own}", {"body": "changed"})
    assert refused.status_code == 403 and refused.data["code"] == "board_closed"
    response = _signed_in(member).post(f"/threads/{thread_id}/", {"body": "late"})
    assert response.status_code == 400 and "This board is closed" in response.content.decode()

    # Reopening (clearing the closing date) opens the board again.
    change_closing(release=release, by=tutor, closes_at=None)
    again = api(member).post(f"/api/v1/threads/{thread_id}/posts", {"body": "back"})
    assert again.status_code == 201
