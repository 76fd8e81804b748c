"""Reactions (helpful, me too, thank you): the API, who is named to whom, retraction, the rate
limit, the live event, and the dashboard's ``reacts`` flag that leaves statuses alone."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from mentoring.boards.services import moderation, posts, reactions
from mentoring.core.ratelimit import RateLimited
from mentoring.models import Board, Membership, Reaction
from mentoring.participation.selectors.rows import member_rows_by_id
from mentoring.participation.services.counters import (
    rebuild_counters,
    record_resource_view,
    record_thread_read,
)
from mentoring.participation.services.nudges import render_message
from tests.factories import ApiClient, UserFactory, make_cohort, signed_in

pytestmark = pytest.mark.django_db


def general(cohort):
    return Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)


@pytest.fixture
def thread(cohort, members):
    return posts.create_thread(
        board=general(cohort), author=members[0], title="Year 9 after lunch", body="Any tips?"
    )


def counts(api_client, thread_id):
    response = api_client.get(f"/api/v1/threads/{thread_id}")
    assert response.status_code == 200
    return [(p["reactions"], p["my_reactions"]) for p in response.data["posts"]]


# --- The API --------------------------------------------------------------------------------
def test_react_count_on_the_thread_and_take_it_back(api, cohort, members, tutor, thread):
    post_id = thread.first_post_id
    nqt2, nqt3, teacher = api(members[1]), api(members[2]), api(tutor)
    made = nqt2.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "helpful"})
    assert made.status_code == 201
    assert made.data == {
        "post_id": post_id,
        "reactions": {"helpful": 1, "me_too": 0, "thank_you": 0},
        "my_reactions": ["helpful"],
    }
    # Again: nothing changes, still 201.
    assert nqt2.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "helpful"}).status_code == 201
    assert nqt3.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "helpful"}).status_code == 201
    assert (
        teacher.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "thank_you"}).status_code == 201
    )
    assert counts(api(members[0]), thread.pk) == [({"helpful": 2, "me_too": 0, "thank_you": 1}, [])]

    assert nqt2.delete(f"/api/v1/posts/{post_id}/reactions/helpful").status_code == 204
    assert nqt2.delete(f"/api/v1/posts/{post_id}/reactions/helpful").status_code == 204
    assert counts(nqt3, thread.pk) == [({"helpful": 1, "me_too": 0, "thank_you": 1}, ["helpful"])]


def test_refusals_have_codes(api, cohort, members, outsider, thread):
    post_id = thread.first_post_id
    bad = api(members[1]).post(f"/api/v1/posts/{post_id}/reactions", {"kind": "love"})
    assert (bad.status_code, bad.data["code"]) == (400, "invalid_reaction")
    bad = api(members[1]).delete(f"/api/v1/posts/{post_id}/reactions/love")
    assert (bad.status_code, bad.data["code"]) == (400, "invalid_reaction")
    own = api(members[0]).post(f"/api/v1/posts/{post_id}/reactions", {"kind": "me_too"})
    assert (own.status_code, own.data["code"]) == (403, "own_post")
    # Someone who cannot see the post learns nothing about it.
    assert (
        api(outsider).post(f"/api/v1/posts/{post_id}/reactions", {"kind": "me_too"}).status_code
        == 404
    )
    assert (
        api(members[1]).post("/api/v1/posts/999999/reactions", {"kind": "me_too"}).status_code
        == 404
    )
    anonymous = api(members[1]).post(
        f"/api/v1/posts/{post_id}/reactions", {"kind": "me_too", "anonymous": True}
    )
    assert (anonymous.status_code, anonymous.data["code"]) == (400, "anonymous_not_allowed")
    assert not Reaction.objects.exists()


def test_a_private_question_cannot_be_reacted_to_by_peers(api, cohort, members, tutor):
    private = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    question = posts.create_thread(board=private, author=members[0], title="Help", body="Please")
    url = f"/api/v1/posts/{question.first_post_id}/reactions"
    assert api(members[1]).post(url, {"kind": "me_too"}).status_code == 404
    assert api(tutor).post(url, {"kind": "thank_you"}).status_code == 201


def test_hidden_and_retracted_posts_are_refused(api, cohort, members, tutor, thread):
    reply = posts.create_post(thread=thread, author=members[1], body="Seating plan")
    moderation.hide_post(post=reply.pk, by=tutor, reason="Names a pupil")
    hidden = api(members[2]).post(f"/api/v1/posts/{reply.pk}/reactions", {"kind": "helpful"})
    assert (hidden.status_code, hidden.data["code"]) == (403, "post_hidden")

    parent = posts.create_post(thread=thread, author=members[1], body="Parent")
    posts.create_post(thread=thread, author=members[2], body="Child", reply_to=parent)
    posts.retract_post(post=parent.pk, by=members[1])
    gone = api(members[2]).post(f"/api/v1/posts/{parent.pk}/reactions", {"kind": "helpful"})
    assert (gone.status_code, gone.data["code"]) == (403, "post_retracted")


def test_retraction_takes_the_reactions_and_the_counters_with_it(cohort, members, thread):
    reply = posts.create_post(thread=thread, author=members[1], body="Try a starter")
    reactions.add_reaction(post=reply.pk, by=members[2], kind="helpful")
    reactions.add_reaction(post=reply.pk, by=members[0], kind="thank_you")
    reactions.add_reaction(post=thread.first_post_id, by=members[2], kind="me_too")
    member3 = Membership.objects.get(cohort=cohort, user=members[2])
    assert member3.reactions == 2
    posts.retract_post(post=reply.pk, by=members[1])
    assert not Reaction.objects.filter(post_id=reply.pk).exists()
    member3.refresh_from_db()
    assert member3.reactions == 1
    assert Membership.objects.get(cohort=cohort, user=members[0]).reactions == 0


def test_reactions_are_rate_limited(settings, api, cohort, members, thread):
    settings.RATE_LIMITS = {"react": ["2/60"]}
    post_id = thread.first_post_id
    nqt2 = api(members[1])
    assert nqt2.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "helpful"}).status_code == 201
    assert nqt2.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "me_too"}).status_code == 201
    # Repeating one is free; a third new one is not.
    assert nqt2.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "me_too"}).status_code == 201
    refused = nqt2.post(f"/api/v1/posts/{post_id}/reactions", {"kind": "thank_you"})
    assert (refused.status_code, refused.data["code"]) == (429, "rate_limited")
    with pytest.raises(RateLimited):
        reactions.add_reaction(post=post_id, by=members[1], kind="thank_you")
    # Taking one back is always allowed.
    assert nqt2.delete(f"/api/v1/posts/{post_id}/reactions/helpful").status_code == 204


# --- Anonymity ------------------------------------------------------------------------------
@pytest.fixture
def open_cohort(db):
    tutor = UserFactory(username="tutor_a", display_name="Tara Tutor")
    people = [UserFactory(username=f"anon{i}", display_name=f"Anna {i}") for i in range(1, 5)]
    cohort = make_cohort(
        name="Anonymous cohort", tutors=[tutor], members=people, allow_anonymous_to_peers=True
    )
    return cohort, tutor, people


def test_an_anonymous_reactor_is_counted_not_named_to_peers(open_cohort):
    cohort, tutor, (author, shy, named, peer) = open_cohort
    thread = posts.create_thread(board=general(cohort), author=author, title="T", body="Body")
    reactions.add_reaction(post=thread.first_post_id, by=shy, kind="me_too", anonymous=True)
    reactions.add_reaction(post=thread.first_post_id, by=named, kind="me_too")
    url = f"/threads/{thread.pk}/posts/{thread.first_post_id}/fragment/"

    as_peer = signed_in(peer).get(url).content.decode()
    assert "Anna 3" in as_peer and "Anna 2" not in as_peer
    assert "1 member anonymously" in as_peer
    assert 'class="reaction-count">2<' in as_peer
    as_tutor = signed_in(tutor).get(url).content.decode()
    assert "Anna 2" in as_tutor and "Anna 3" in as_tutor
    as_shy = signed_in(shy).get(url).content.decode()
    assert "you" in as_shy and "anonymously" not in as_shy


def test_reactions_never_point_at_an_anonymous_author(api, open_cohort):
    cohort, tutor, (author, replier, other, peer) = open_cohort
    thread = posts.create_thread(
        board=general(cohort), author=author, title="Hard day", body="…", anonymous=True
    )
    reply = posts.create_post(thread=thread, author=replier, body="Hang in there")
    # The anonymous starter thanks a reply: peers must not see who thanked.
    reactions.add_reaction(post=reply.pk, by=author, kind="thank_you")
    # An anonymous reply's author reacting elsewhere in the thread is not named either.
    anonymous_reply = posts.create_post(thread=thread, author=other, body="Me too", anonymous=True)
    reactions.add_reaction(post=reply.pk, by=other, kind="me_too")
    url = f"/threads/{thread.pk}/posts/{reply.pk}/fragment/"
    as_peer = signed_in(peer).get(url).content.decode()
    for name in ("Anna 1", "Anna 3"):
        assert name not in as_peer
    assert as_peer.count("1 member anonymously") == 2
    as_tutor = signed_in(tutor).get(url).content.decode()
    assert "Anna 1" in as_tutor and "Anna 3" in as_tutor
    # The API gives counts only: no reactor ids or names anywhere.
    data = api(peer).get(f"/api/v1/threads/{thread.pk}").data
    text = json.dumps(data)
    assert "Anna 1" not in text and "Anna 3" not in text
    by_id = {p["id"]: p for p in data["posts"]}
    assert by_id[reply.pk]["reactions"] == {"helpful": 0, "me_too": 1, "thank_you": 1}
    # Retracting the anonymous reply never names its author's reactions afterwards.
    posts.retract_post(post=anonymous_reply.pk, by=other)
    assert "Anna 3" not in signed_in(peer).get(url).content.decode()


# --- Live -----------------------------------------------------------------------------------
def test_a_reaction_tells_open_thread_pages_and_the_dashboard(
    django_capture_on_commit_callbacks, live_events_match_their_schemas, cohort, members, thread
):
    sent = live_events_match_their_schemas
    with django_capture_on_commit_callbacks(execute=True):
        reactions.add_reaction(post=thread.first_post_id, by=members[1], kind="helpful")
    events = [(stream, json.loads(next(iter(texts.values())))) for stream, _, texts in sent]
    on_thread = [e for s, e in events if s == f"mentoring.thread.{thread.pk}"]
    assert [{k: v for k, v in e.items() if k != "seq"} for e in on_thread] == [
        {"type": "post.reacted", "post": {"id": thread.first_post_id, "thread_id": thread.pk}}
    ]
    rows = [e["member"] for s, e in events if s == f"mentoring.dashboard.{cohort.pk}"]
    assert [(r["user_id"], r["reactions"], r["status"]) for r in rows] == [
        (members[1].pk, 1, "inactive")
    ]
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reactions.remove_reaction(post=thread.first_post_id, by=members[1], kind="helpful")
    assert {json.loads(next(iter(t.values())))["type"] for _, _, t in sent} == {
        "post.reacted",
        "member.updated",
    }


def test_the_page_button_reacts_and_takes_back(cohort, members, thread):
    client = signed_in(members[1])
    url = f"/posts/{thread.first_post_id}/react/"
    response = client.post(url, {"kind": "me_too"})
    assert response.status_code == 302
    page = client.get(f"/threads/{thread.pk}/").content.decode()
    assert (
        'aria-pressed="true" data-key="reaction-me_too">Me too <span class="reaction-count">1'
        in page
    )
    client.post(url, {"kind": "me_too"})
    assert not Reaction.objects.exists()
    # The author sees counts, not buttons, on their own post.
    own = signed_in(members[0]).get(f"/threads/{thread.pk}/").content.decode()
    assert "data-reaction-form" not in own


# --- The dashboard --------------------------------------------------------------------------
def snapshot(cohort) -> dict[int, dict]:
    ids = list(Membership.objects.filter(cohort=cohort).values_list("pk", flat=True))
    return {row["user_id"]: row for row in member_rows_by_id(membership_ids=ids)}


def test_reacting_is_a_flag_beside_the_status_and_nobody_else_changes(db):
    tutor = UserFactory(username="tutor_d")
    people = [UserFactory(username=f"dash{i}") for i in range(1, 6)]
    poster, reader, reactor, resource_only, inactive = people
    cohort = make_cohort(name="Dashboard cohort", tutors=[tutor], members=people)
    thread = posts.create_thread(board=general(cohort), author=tutor, title="T", body="Hello")
    posts.create_post(thread=thread, author=poster, body="Mine")
    for who in (reader, reactor):
        record_thread_read(user=who, thread=thread)
    record_resource_view(user=resource_only, cohort=cohort, resource_kind="doc", resource_id=1)
    before = snapshot(cohort)
    assert {before[p.pk]["status"] for p in people} == {
        "contributor",
        "reader",
        "resource_only",
        "inactive",
    }

    reactions.add_reaction(post=thread.first_post_id, by=reactor, kind="me_too")
    reactions.add_reaction(post=thread.first_post_id, by=reactor, kind="thank_you")
    after = snapshot(cohort)
    for person in (poster, reader, resource_only, inactive):
        assert after[person.pk] == before[person.pk]
        assert after[person.pk]["reactions"] == 0
    changed = {k for k in after[reactor.pk] if after[reactor.pk][k] != before[reactor.pk][k]}
    assert changed == {"reactions"}
    assert after[reactor.pk]["status"] == "reader"
    # The rebuild agrees with the services.
    rebuild_counters(cohort_ids=[cohort.pk])
    rebuilt = snapshot(cohort)
    assert {k: v["reactions"] for k, v in rebuilt.items()} == {
        k: v["reactions"] for k, v in after.items()
    }

    client = signed_in(tutor)
    page = client.get(f"/cohorts/{cohort.pk}/dashboard/?flag=reacts").content.decode()
    assert 'data-field="flag-reacts">Reacts<' in page
    assert page.count('data-flags="reacts"') == 1
    api_rows = (
        ApiClient(tutor).get(f"/api/v1/cohorts/{cohort.pk}/participation?flag=reacts").data
    )["members"]
    assert [(r["username"], r["reactions"], r["status"]) for r in api_rows] == [
        ("dash3", 2, "reader")
    ]


def test_the_nudge_can_thank_a_reactor(cohort, members):
    text = render_message(
        "Thank you for your {reactions} reactions, {name}!",
        member=members[0],
        cohort=cohort,
        reactions=3,
    )
    assert text == "Thank you for your 3 reactions, Member 1!"


def test_a_closed_board_refuses_new_reactions_but_not_taking_one_back(api, cohort, members, thread):
    reactions.add_reaction(post=thread.first_post_id, by=members[1], kind="helpful")
    Board.objects.filter(pk=thread.board_id).update(closes_at=timezone.now())
    refused = api(members[2]).post(
        f"/api/v1/posts/{thread.first_post_id}/reactions", {"kind": "helpful"}
    )
    assert (refused.status_code, refused.data["code"]) == (403, "board_closed")
    taken_back = api(members[1]).delete(f"/api/v1/posts/{thread.first_post_id}/reactions/helpful")
    assert taken_back.status_code == 204


def test_reacting_first_and_posting_anonymously_later_hides_the_reactor(open_cohort):
    cohort, tutor, (author, reactor, _, peer) = open_cohort
    thread = posts.create_thread(board=general(cohort), author=author, title="T", body="Body")
    reactions.add_reaction(post=thread.first_post_id, by=reactor, kind="helpful")
    url = f"/threads/{thread.pk}/posts/{thread.first_post_id}/fragment/"
    assert "Anna 2" in signed_in(peer).get(url).content.decode()
    posts.create_post(thread=thread, author=reactor, body="Same here, quietly", anonymous=True)
    as_peer = signed_in(peer).get(url).content.decode()
    assert "Anna 2" not in as_peer and "1 member anonymously" in as_peer
    assert "Anna 2" in signed_in(tutor).get(url).content.decode()
