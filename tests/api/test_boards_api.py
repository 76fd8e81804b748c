"""The boards API as the public surface (docs/api.md) gives it: shapes, status codes, errors,
and reads."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.models import Board, Post, ReadEvent, Thread, ThreadReadState
from tests.factories import UserFactory, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def boards(cohort):
    return {b.kind: b for b in Board.objects.filter(cohort=cohort)}


def start(api_client, board, title="Behaviour in Year 9", body="Any tips? #behaviour"):
    response = api_client.post(f"/api/v1/boards/{board.pk}/threads", {"title": title, "body": body})
    assert response.status_code == 201, response.data
    return response.data


def test_boards_of_a_cohort(api, cohort, members, outsider):
    response = api(members[0]).get(f"/api/v1/cohorts/{cohort.pk}/boards")
    assert response.status_code == 200
    assert {(b["title"], b["kind"]) for b in response.data} == {
        ("General discussion", "general"),
        ("Ask a tutor", "private"),
    }
    assert api(outsider).get(f"/api/v1/cohorts/{cohort.pk}/boards").status_code == 404
    assert api().get(f"/api/v1/cohorts/{cohort.pk}/boards").status_code == 401


def test_start_a_thread_list_it_and_read_it(api, boards, members):
    nqt1, nqt2 = api(members[0]), api(members[1])
    created = start(nqt1, boards["general"])
    assert created["title"] == "Behaviour in Year 9"
    first = created["posts"][0]
    assert first["author"] == "Member 1" and first["retracted"] is False
    assert 'class="hashtag"' in first["body_html"]
    listed = nqt2.get(f"/api/v1/boards/{boards['general'].pk}/threads").data
    assert [(t["id"], t["unread"], t["post_count"]) for t in listed] == [(created["id"], 1, 1)]

    thread = nqt2.get(f"/api/v1/threads/{created['id']}")
    assert thread.status_code == 200
    assert [p["id"] for p in thread.data["posts"]] == [first["id"]]
    assert set(thread.data["posts"][0]) >= {
        "id",
        "author",
        "body_html",
        "created_at",
        "editable_until",
        "retracted",
    }
    # Reading it counted: read state and a read event; the unread count is gone.
    assert ThreadReadState.objects.filter(user=members[1], thread_id=created["id"]).exists()
    assert ReadEvent.objects.filter(user=members[1], thread_id=created["id"]).count() == 1
    nqt2.get(f"/api/v1/threads/{created['id']}")
    assert ReadEvent.objects.filter(user=members[1], thread_id=created["id"]).count() == 1
    listed = nqt2.get(f"/api/v1/boards/{boards['general'].pk}/threads").data
    assert listed[0]["unread"] == 0


def test_reply_edit_and_retract(api, boards, members):
    nqt1, nqt2 = api(members[0]), api(members[1])
    thread = start(nqt1, boards["general"])
    first_id = thread["posts"][0]["id"]
    reply = nqt2.post(
        f"/api/v1/threads/{thread['id']}/posts", {"body": "Seating plan", "reply_to": first_id}
    )
    assert reply.status_code == 201
    assert reply.data["reply_to"] == first_id and reply.data["editable_until"]
    reply_id = reply.data["id"]

    edited = nqt2.patch(f"/api/v1/posts/{reply_id}", {"body": "A *seating* plan"})
    assert edited.status_code == 200
    assert edited.data["body_html"] == "<p>A <em>seating</em> plan</p>\n"

    assert nqt1.patch(f"/api/v1/posts/{reply_id}", {"body": "hijack"}).status_code in (403, 404)
    assert nqt1.delete(f"/api/v1/posts/{reply_id}").status_code in (403, 404)

    # Retracting the first post keeps a tombstone (a reply hangs on it).
    assert nqt1.delete(f"/api/v1/posts/{first_id}").status_code == 204
    posts = nqt2.get(f"/api/v1/threads/{thread['id']}").data["posts"]
    assert posts[0]["retracted"] is True and posts[0]["body_html"] == ""
    assert nqt1.patch(f"/api/v1/posts/{first_id}", {"body": "again"}).status_code == 404


def test_after_the_grace_period_edit_and_retract_are_403_grace_period_over(api, boards, members):
    nqt1 = api(members[0])
    thread = start(nqt1, boards["general"])
    post_id = thread["posts"][0]["id"]
    Post.objects.filter(pk=post_id).update(editable_until=timezone.now() - timedelta(seconds=1))
    for response in (
        nqt1.patch(f"/api/v1/posts/{post_id}", {"body": "late"}),
        nqt1.delete(f"/api/v1/posts/{post_id}"),
    ):
        assert response.status_code == 403
        assert response.data["code"] == "grace_period_over" and response.data["detail"]
    assert Post.objects.get(pk=post_id).body == "Any tips? #behaviour"


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"body": ""}, "invalid"),
        ({"body": "   "}, "invalid"),
        ({"body": "x" * 20_001}, "invalid"),
        ({}, "invalid"),
        ({"body": "ok", "anonymous": True}, "anonymous_not_allowed"),
    ],
)
def test_bad_posts_are_400_and_write_nothing(api, boards, members, payload, code):
    nqt1 = api(members[0])
    thread = start(nqt1, boards["general"])
    response = nqt1.post(f"/api/v1/threads/{thread['id']}/posts", payload)
    assert response.status_code == 400
    assert response.data["code"] == code and response.data["detail"]
    assert Post.objects.filter(thread_id=thread["id"]).count() == 1


def test_reply_to_a_post_in_another_thread_is_400(api, boards, members):
    nqt1 = api(members[0])
    one, two = start(nqt1, boards["general"], "One"), start(nqt1, boards["general"], "Two")
    response = nqt1.post(
        f"/api/v1/threads/{two['id']}/posts", {"body": "x", "reply_to": one["posts"][0]["id"]}
    )
    assert response.status_code == 400 and response.data["code"] == "invalid_reply_to"
    assert Post.objects.filter(thread_id=two["id"]).count() == 1


def test_a_board_of_another_cohort_is_404(api, members):
    other = make_cohort(name="Elsewhere", tutors=[UserFactory(username="tutor_else")])
    board = Board.objects.get(cohort=other, kind="general")
    response = api(members[0]).post(
        f"/api/v1/boards/{board.pk}/threads", {"title": "t", "body": "b"}
    )
    assert response.status_code == 404 and response.data["code"] == "not_found"
    assert api(members[0]).get(f"/api/v1/boards/{board.pk}/threads").status_code == 404
    assert not Thread.objects.filter(board=board).exists()


def test_ask_a_tutor_threads_are_404_to_peers(api, boards, members, tutor):
    thread = start(api(members[0]), boards["private"], "Private worry", "I'm struggling")
    assert api(members[1]).get(f"/api/v1/threads/{thread['id']}").status_code == 404
    assert api(members[1]).get(f"/api/v1/boards/{boards['private'].pk}/threads").data == []
    assert api(tutor).get(f"/api/v1/threads/{thread['id']}").status_code == 200
    reply = api(members[1]).post(f"/api/v1/threads/{thread['id']}/posts", {"body": "nosy"})
    assert reply.status_code == 404


def test_anonymous_author_never_reaches_peers_through_the_api(api, tutor, members):
    cohort = make_cohort(
        name="Anon API", tutors=[tutor], members=members, allow_anonymous_to_peers=True
    )
    board = Board.objects.get(cohort=cohort, kind="general")
    nqt1 = api(members[0])
    created = nqt1.post(
        f"/api/v1/boards/{board.pk}/threads",
        {"title": "Worried", "body": "About observations", "anonymous": True},
    )
    assert created.status_code == 201
    peer = api(members[1])
    for path in (f"/api/v1/threads/{created.data['id']}", f"/api/v1/boards/{board.pk}/threads"):
        text = json.dumps(peer.get(path).data)
        assert "member1" not in text.lower() and "Member 1" not in text
        assert "a member of this cohort" in text
    seen_by_tutor = api(tutor).get(f"/api/v1/threads/{created.data['id']}").data
    assert seen_by_tutor["posts"][0]["author"] == "Member 1"
    assert seen_by_tutor["posts"][0]["author_id"] == members[0].pk


def test_flag_and_hide(api, boards, members, tutor):
    thread = start(api(members[0]), boards["general"])
    post_id = thread["posts"][0]["id"]
    assert (
        api(members[1]).post(f"/api/v1/posts/{post_id}/flags", {"reason": "rude"}).status_code
        == 201
    )
    assert api(members[1]).post(f"/api/v1/posts/{post_id}/hide", {"reason": "x"}).status_code == 403
    hidden = api(tutor).post(f"/api/v1/posts/{post_id}/hide", {"reason": "Off topic"})
    assert hidden.status_code == 200 and hidden.data["hidden"] is True
    peer_view = api(members[1]).get(f"/api/v1/threads/{thread['id']}").data["posts"][0]
    assert peer_view["hidden"] is True and peer_view["body_html"] == ""
    assert api(tutor).delete(f"/api/v1/posts/{post_id}/hide").data["hidden"] is False


def test_session_api_needs_csrf_for_writes(client, boards, members):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(members[0])
    response = browser.post(
        f"/api/v1/boards/{boards['general'].pk}/threads",
        data={"title": "t", "body": "b"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Thread.objects.exists()
