"""@mentions: rendered as a mark, a ``mention`` notification for people who can see the thread
(never across cohorts, never on someone else's "Ask a tutor"), the author's anonymity kept,
floods capped, edits not re-notifying, retraction withdrawing; and the autocomplete listing
only people the thread's readers may mention."""

from __future__ import annotations

import pytest

from mentoring.boards.services import posts
from mentoring.core.rendering import MAX_MENTIONS
from mentoring.models import Board, Notification
from tests.factories import UserFactory, make_cohort, signed_in

pytestmark = pytest.mark.django_db


def board(cohort, kind=Board.Kind.GENERAL):
    return Board.objects.get(cohort=cohort, kind=kind)


def mentions_of(user):
    return list(Notification.objects.filter(user=user, kind=Notification.Kind.MENTION))


def test_a_mention_is_marked_and_tells_the_person(cohort, members, tutor):
    thread = posts.create_thread(
        board=board(cohort), author=members[0], title="Behaviour", body="What would @member2 do?"
    )
    post = thread.first_post
    assert '<mark class="mention">@Member 2</mark>' in post.body_html
    (notice,) = mentions_of(members[1])
    assert notice.title == "Member 1 mentioned you in “Behaviour”"
    assert notice.post_id == post.pk and notice.url == post.get_absolute_url()
    assert mentions_of(members[2]) == [] and mentions_of(tutor) == []


def test_nobody_is_told_of_their_own_mention(cohort, members):
    posts.create_thread(board=board(cohort), author=members[0], title="T", body="Note to @member1")
    assert mentions_of(members[0]) == []


def test_an_anonymous_author_is_never_named_by_a_mention(db):
    tutor = UserFactory(username="tutor_m", display_name="Tara Tutor")
    author, peer = UserFactory(username="ann", display_name="Ann"), UserFactory(username="bo")
    cohort = make_cohort(
        name="Anon", tutors=[tutor], members=[author, peer], allow_anonymous_to_peers=True
    )
    posts.create_thread(
        board=board(cohort),
        author=author,
        title="Hard day",
        body="@bo and @tutor_m, any advice?",
        anonymous=True,
    )
    (to_peer,) = mentions_of(peer)
    assert to_peer.title == "A member of this cohort mentioned you in “Hard day”"
    assert "Ann" not in to_peer.title + to_peer.body
    (to_tutor,) = mentions_of(tutor)
    assert to_tutor.title.startswith("Ann mentioned you")


def test_no_mentions_across_cohorts(cohort, members, outsider):
    make_cohort(name="Elsewhere", members=[outsider])
    thread = posts.create_thread(
        board=board(cohort), author=members[0], title="T", body="Ask @outsider maybe"
    )
    assert "mention" not in thread.first_post.body_html
    assert "@outsider" in thread.first_post.body_html
    assert mentions_of(outsider) == []


def test_on_ask_a_tutor_only_the_tutors_and_the_author_can_be_mentioned(cohort, members, tutor):
    question = posts.create_thread(
        board=board(cohort, Board.Kind.PRIVATE),
        author=members[0],
        title="Private",
        body="Should @member2 know? @tutor_t what do you think?",
    )
    assert mentions_of(members[1]) == []
    assert "@Member 2" not in question.first_post.body_html
    assert len(mentions_of(tutor)) == 1
    # The tutor's answer can mention the member who asked.
    posts.create_post(thread=question, author=tutor, body="@member1 let's talk")
    assert len(mentions_of(members[0])) == 1


def test_a_flood_of_mentions_stops_at_the_cap(db):
    tutor = UserFactory(username="tutor_f")
    people = [UserFactory(username=f"p{i:02d}") for i in range(MAX_MENTIONS + 3)]
    cohort = make_cohort(name="Big", tutors=[tutor], members=people)
    body = " ".join(f"@{p.username}" for p in people[1:])
    thread = posts.create_thread(board=board(cohort), author=people[0], title="All", body=body)
    told = Notification.objects.filter(kind=Notification.Kind.MENTION)
    assert told.count() == MAX_MENTIONS
    assert thread.first_post.body_html.count('class="mention"') == MAX_MENTIONS
    assert f"@{people[-1].username}" in thread.first_post.body_html  # plain text


def test_an_edit_tells_only_the_newly_mentioned(cohort, members):
    thread = posts.create_thread(
        board=board(cohort), author=members[0], title="T", body="Thanks @member2"
    )
    posts.edit_post(post=thread.first_post_id, by=members[0], body="Thanks @member2 and @member3")
    assert len(mentions_of(members[1])) == 1
    assert len(mentions_of(members[2])) == 1
    posts.edit_post(post=thread.first_post_id, by=members[0], body="Thanks @member3 and @member2!")
    assert len(mentions_of(members[1])) == 1 and len(mentions_of(members[2])) == 1


def test_retraction_withdraws_the_mentions(cohort, members):
    thread = posts.create_thread(board=board(cohort), author=members[0], title="T", body="Hi")
    reply = posts.create_post(thread=thread, author=members[0], body="@member2 look")
    assert len(mentions_of(members[1])) == 1
    posts.retract_post(post=reply.pk, by=members[0])
    assert mentions_of(members[1]) == []


# --- The autocomplete -----------------------------------------------------------------------
def options(user, thread, q):
    response = signed_in(user).get(f"/threads/{thread.pk}/mentions/", {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_the_autocomplete_lists_the_threads_readers_by_prefix(cohort, members, tutor, outsider):
    make_cohort(name="Elsewhere", members=[outsider])
    thread = posts.create_thread(board=board(cohort), author=members[0], title="T", body="Hi")
    listed = options(members[0], thread, "mem")
    assert 'data-username="member2"' in listed and 'data-username="member3"' in listed
    assert 'data-username="member1"' not in listed  # not oneself
    assert 'role="option"' in listed
    assert 'data-username="tutor_t"' in options(members[0], thread, "Tes")  # "Tessa Tutor"
    assert "outsider" not in options(members[0], thread, "")
    assert "outsider" not in options(members[0], thread, "o")
    assert signed_in(outsider).get(f"/threads/{thread.pk}/mentions/?q=m").status_code == 404


def test_the_autocomplete_on_ask_a_tutor_lists_only_who_can_see_it(cohort, members, tutor):
    question = posts.create_thread(
        board=board(cohort, Board.Kind.PRIVATE), author=members[0], title="P", body="Help"
    )
    listed = options(members[0], question, "")
    assert 'data-username="tutor_t"' in listed
    assert "member2" not in listed and "member3" not in listed
    assert 'data-username="member1"' in options(tutor, question, "")
    assert signed_in(members[1]).get(f"/threads/{question.pk}/mentions/").status_code == 404


def test_the_autocomplete_on_a_group_board_lists_only_the_group(cohort, members, tutor):
    group = Board.objects.create(
        cohort=cohort, kind=Board.Kind.SCENARIO, title="Group 1", restricted=True
    )
    group.allowed_users.add(members[0], members[1])
    thread = posts.create_thread(board=group, author=members[0], title="G", body="Hi")
    listed = options(members[0], thread, "")
    assert "member2" in listed and "tutor_t" in listed and "member3" not in listed
    # And a mention of someone outside the group tells nobody.
    posts.create_post(thread=thread, author=members[0], body="@member3 @member2")
    assert mentions_of(members[2]) == [] and len(mentions_of(members[1])) == 1


def test_the_autocomplete_never_hints_at_an_anonymous_author(db):
    tutor = UserFactory(username="tutor_z")
    author = UserFactory(username="zed", display_name="Zed")
    peer = UserFactory(username="yan", display_name="Yan")
    quiet = UserFactory(username="zoe", display_name="Zoe")
    cohort = make_cohort(
        name="Z", tutors=[tutor], members=[author, peer, quiet], allow_anonymous_to_peers=True
    )
    thread = posts.create_thread(
        board=board(cohort), author=author, title="Anon", body="…", anonymous=True
    )
    # Listed by name like everyone else, in name order: nothing marks the thread's author.
    listed = options(peer, thread, "z")
    assert listed.index('data-username="zed"') < listed.index('data-username="zoe"')
    assert "anonym" not in listed.lower() and "author" not in listed.lower()


def test_mentioning_into_a_thread_one_cannot_see_is_a_404_and_tells_nobody(
    api, cohort, members, tutor, outsider
):
    make_cohort(name="Elsewhere", members=[outsider])
    question = posts.create_thread(
        board=board(cohort, Board.Kind.PRIVATE), author=members[0], title="P", body="Help"
    )
    for user in (members[1], outsider):  # a peer, someone from another cohort
        response = api(user).post(
            f"/api/v1/threads/{question.pk}/posts", {"body": "@tutor_t @member1 look"}
        )
        assert response.status_code == 404
        page = signed_in(user).post(f"/threads/{question.pk}/", {"body": "@tutor_t look"})
        assert page.status_code == 404
    assert mentions_of(tutor) == [] and mentions_of(members[0]) == []
