"""Who tutors a cohort is their membership's role, for superusers and staff too (docs/privacy.md).

Anonymous authors and "Ask a tutor" questions are for the cohort's tutors only. A superuser
(or staff member) who is not a tutor of the cohort gets nothing more than their membership
gives them: on the pages, the API and the socket alike. (Until issue 18 the checks read
guardian's object permissions, which give a superuser everything: the demo ``admin`` saw every
anonymous author, yet was never notified as a tutor.)
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from mentoring.boards.services import posts
from mentoring.cohorts.services import add_membership
from mentoring.models import Membership
from mentoring.rules.permissions import can_view_cohort, can_view_participation, is_tutor
from mentoring.rules.visibility import ANONYMOUS_NAME
from tests.conftest import ws_first_json
from tests.factories import UserFactory, make_cohort

from .boards_helpers import general_board, private_board

SECRET_NAME = "Sam Shy"
QUESTION = "Can I talk about my mentor in confidence?"


def _world():
    tutor = UserFactory(username="sp_tutor", display_name="Tess Tutor")
    author = UserFactory(username="sp_shy", display_name=SECRET_NAME)
    # A superuser and a staff member who are members (not tutors) of the cohort, and a
    # superuser in no cohort at all.
    root_member = UserFactory(
        username="sp_root_member", display_name="Rhea Root", is_staff=True, is_superuser=True
    )
    staff_member = UserFactory(username="sp_staff_member", display_name="Stu Staff", is_staff=True)
    root = UserFactory(
        username="sp_root", display_name="Ray Root", is_staff=True, is_superuser=True
    )
    cohort = make_cohort(
        name="Superuser privacy",
        tutors=[tutor],
        members=[author, root_member, staff_member],
        allow_anonymous_to_peers=True,
    )
    anonymous = posts.create_thread(
        board=general_board(cohort),
        author=author,
        title="Worried about observation",
        body="I freeze when observed.",
        anonymous=True,
    )
    question = posts.create_thread(
        board=private_board(cohort), author=author, title=QUESTION, body="Only tutors, please."
    )
    return {
        "tutor": tutor,
        "author": author,
        "root_member": root_member,
        "staff_member": staff_member,
        "root": root,
        "cohort": cohort,
        "anonymous": anonymous,
        "question": question,
    }


@pytest.fixture
def world(db):
    return _world()


def _page(user, url: str):
    client = Client()
    client.force_login(user)
    return client.get(url)


@pytest.mark.django_db
def test_only_the_membership_role_makes_a_tutor(world):
    cohort = world["cohort"]
    for who in ("root_member", "staff_member"):
        user = world[who]
        assert can_view_cohort(user, cohort)
        assert not is_tutor(user, cohort) and not can_view_participation(user, cohort)
    assert not can_view_cohort(world["root"], cohort) and not is_tutor(world["root"], cohort)
    assert is_tutor(world["tutor"], cohort)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["root_member", "staff_member"])
def test_a_superuser_or_staff_member_who_is_not_a_tutor_sees_no_anonymous_author(world, api, who):
    viewer, thread = world[who], world["anonymous"]
    page = _page(viewer, f"/threads/{thread.pk}/").content.decode()
    assert SECRET_NAME not in page and f"Started by {ANONYMOUS_NAME}" in page
    board = _page(viewer, f"/boards/{thread.board_id}/").content.decode()
    assert SECRET_NAME not in board
    assert api(viewer).get(f"/api/v1/threads/{thread.pk}").data["author"] == ANONYMOUS_NAME
    listing = api(viewer).get(f"/api/v1/boards/{thread.board_id}/threads").data
    assert [t["author"] for t in listing] == [ANONYMOUS_NAME]
    # The tutor does see who wrote it (the rule is not "nobody").
    tutor_page = _page(world["tutor"], f"/threads/{thread.pk}/").content.decode()
    assert SECRET_NAME in tutor_page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["root_member", "staff_member"])
def test_a_superuser_or_staff_member_who_is_not_a_tutor_sees_no_private_question(world, api, who):
    viewer, question = world[who], world["question"]
    assert _page(viewer, f"/threads/{question.pk}/").status_code == 404
    board = _page(viewer, f"/boards/{question.board_id}/").content.decode()
    assert QUESTION not in board
    assert api(viewer).get(f"/api/v1/threads/{question.pk}").status_code == 404
    assert api(viewer).get(f"/api/v1/boards/{question.board_id}/threads").data == []
    assert _page(world["tutor"], f"/threads/{question.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_superuser_in_no_cohort_sees_none_of_it(world, api):
    root = world["root"]
    for thread in (world["anonymous"], world["question"]):
        assert _page(root, f"/threads/{thread.pk}/").status_code == 404
        assert api(root).get(f"/api/v1/threads/{thread.pk}").status_code == 404
    assert _page(root, f"/cohorts/{world['cohort'].pk}/").status_code == 404


@pytest.mark.django_db
def test_a_superuser_made_a_tutor_sees_as_a_tutor(world, api):
    """The role decides, both ways: the same superuser, once they tutor the cohort, sees the
    author and the question."""
    root_member, cohort = world["root_member"], world["cohort"]
    add_membership(cohort=cohort, user=root_member, role=Membership.Role.TUTOR)
    thread = api(root_member).get(f"/api/v1/threads/{world['anonymous'].pk}").data
    assert thread["author"] == SECRET_NAME
    assert api(root_member).get(f"/api/v1/threads/{world['question'].pk}").status_code == 200


async def _receive_json(communicator, timeout=3.0):
    return json.loads(await communicator.receive_from(timeout=timeout))


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_on_the_socket_a_superuser_who_is_not_a_tutor_sees_no_author_or_question(
    ws_connect,
):
    w = await database_sync_to_async(_world)()
    root_member, root = w["root_member"], w["root"]
    thread_path = f"/ws/threads/{w['anonymous'].pk}/"

    # Neither the private question's socket nor, for a superuser in no cohort, any thread's.
    for user, path in (
        (root_member, f"/ws/threads/{w['question'].pk}/"),
        (root, thread_path),
        (root, f"/ws/threads/{w['question'].pk}/"),
    ):
        communicator, _, first = await ws_connect(path, user=user)
        await communicator.disconnect()
        assert ws_first_json(first) is None and first.get("code") == 4403, (user, path)

    peer, connected, first = await ws_connect(thread_path, user=root_member)
    assert connected and ws_first_json(first)["type"] == "ready"
    teacher, connected, first = await ws_connect(thread_path, user=w["tutor"])
    assert connected and ws_first_json(first)["type"] == "ready"
    await database_sync_to_async(posts.create_post)(
        thread=w["anonymous"], author=w["author"], body="Still worried.", anonymous=True
    )
    seen = await _receive_json(peer)
    assert seen["type"] == "post.created" and seen["post"]["author_id"] is None
    assert SECRET_NAME not in json.dumps(seen)
    assert (await _receive_json(teacher))["post"]["author_id"] == w["author"].pk
    await peer.disconnect()
    await teacher.disconnect()
