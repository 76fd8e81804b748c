"""Every websocket route × every kind of caller: a socket opens (``ready``) only for those
allowed, and everyone else is closed with 4403 — the HTTP matrix's counterpart for
``config.routing`` (the features' ``consumers.websocket_urlpatterns``). A route added there
without a line here fails ``test_every_websocket_route_has_an_entry``. The sockets go through
``config.asgi``'s whole stack (origin check, authentication, routing), with each role's session
cookie."""

from __future__ import annotations

import os
import re

import pytest

from config.routing import websocket_urlpatterns
from tests.conftest import ws_first_json
from tests.security.world import ROLES, build_world

READY, FORBIDDEN = "ready", 4403

# Per route: the caller kinds whose socket opens; everyone else is closed with 4403. The thread
# and board are group 1's (``other_group`` is the cohort's member in the other scenario group);
# staff and superusers who tutor nothing open only their own notifications (docs/privacy.md).
WS_ACCESS: dict[str, tuple[str, ...]] = {
    "/ws/notifications/": (
        "other_cohort",
        "other_group",
        "member",
        "tutor",
        "staff",
        "superuser",
    ),
    "/ws/threads/<int:thread_id>/": ("member", "tutor"),
    "/ws/boards/<int:board_id>/": ("member", "tutor"),
    "/ws/cohorts/<int:cohort_id>/dashboard/": ("tutor",),
    # The group's live solution: its members write, the cohort's tutors read.
    "/ws/groups/<int:group_id>/solution": ("member", "tutor"),
}

PARAMS = {
    "thread_id": lambda w: w.thread.pk,
    "board_id": lambda w: w.group_board.pk,
    "cohort_id": lambda w: w.cohort.pk,
    "group_id": lambda w: w.group.pk,
}


def routes() -> list[str]:
    return ["/" + str(pattern.pattern) for pattern in websocket_urlpatterns]


def fill(route: str, world) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(PARAMS[m.group(1)](world)), route)


def test_every_websocket_route_has_an_entry():
    assert sorted(routes()) == sorted(WS_ACCESS), (
        "tests/security/test_ws_access_matrix.py's WS_ACCESS must list exactly the routes of "
        "config/routing.py (the features' consumers.py), each with who may open it"
    )


async def answer(ws_connect, path: str, user) -> str | int:
    communicator, _, first = await ws_connect(path, user=user)
    await communicator.disconnect()  # an open socket would outlive the test
    if first and first.get("type") == "websocket.send" and first.get("bytes"):
        return READY  # a Yjs socket (the group's solution) opens with its sync step 1
    message = ws_first_json(first)
    if message is not None:
        return message["type"]
    return first.get("code") if first else "no answer"


@pytest.fixture
def world(wagtail_root):
    return build_world()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_each_socket_opens_for_exactly_those_allowed(ws_connect, world):
    wrong = []
    table = []
    for route in routes():
        path = fill(route, world)
        for role in ROLES:
            got = await answer(ws_connect, path, world.user(role))
            want = READY if role in WS_ACCESS[route] else FORBIDDEN
            table.append(f"{route:45} {role:13} {got}")
            if got != want:
                wrong.append(f"{route} as {role}: {got}, expected {want}")
    if os.environ.get("ACCESS_DISCOVER"):
        print("\n".join(table))
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_missing_object_looks_like_a_forbidden_one(ws_connect, world):
    """Ids that do not exist answer as ids one may not see: the socket says nothing more."""
    member = world.user("member")
    for route in routes():
        if "<" not in route:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", "99999999", route)
        assert await answer(ws_connect, path, member) == FORBIDDEN, path
    tutor = world.user("tutor")
    assert await answer(ws_connect, "/ws/cohorts/99999999/dashboard/", tutor) == FORBIDDEN
