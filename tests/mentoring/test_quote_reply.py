"""Quoting a post into a reply: ``?quote=<post>`` pre-fills the reply box with the post as a
Markdown blockquote under a link back, with the author's name as the replier may see it; a
retracted post, or a hidden one for a peer, gives nothing of its text."""

from __future__ import annotations

import pytest

from mentoring.boards.services import moderation, posts
from mentoring.models import Board, Post
from tests.factories import make_cohort, signed_in

from .boards_helpers import general_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(tutor, members):
    cohort = make_cohort(
        name="Quotes", tutors=[tutor], members=members, allow_anonymous_to_peers=True
    )
    thread = posts.create_thread(
        board=general_board(cohort),
        author=members[0],
        title="Behaviour",
        body="Seating plans help.\n\nAsk early.",
    )
    return cohort, thread, thread.posts.get()


def _reply_box(user, thread, quote) -> str:
    response = signed_in(user).get(f"/threads/{thread.pk}/", {"quote": quote})
    assert response.status_code == 200
    return response.context["form"]["body"].value() or ""


def test_quote_prefills_a_blockquote_with_a_link_back(setting, members):
    _, thread, post = setting
    page = signed_in(members[1]).get(f"/threads/{thread.pk}/").content.decode()
    assert f'href="?quote={post.pk}#reply"' in page
    body = _reply_box(members[1], thread, post.pk)
    assert body == (
        f"[Member 1 wrote](/threads/{thread.pk}/?post={post.pk}):\n"
        "> Seating plans help.\n>\n> Ask early.\n\n"
    )
    # Posted as is, it renders as a quote with the link.
    signed_in(members[1]).post(f"/threads/{thread.pk}/", {"body": body + "Agreed."})
    reply = Post.objects.filter(thread=thread).exclude(pk=post.pk).get()
    assert "<blockquote>" in reply.body_html
    assert f'href="/threads/{thread.pk}/?post={post.pk}"' in reply.body_html


def test_quote_of_an_anonymous_post_names_nobody_to_peers(setting, tutor, members):
    _, thread, _ = setting
    anon = posts.create_post(thread=thread, author=members[0], body="quietly", anonymous=True)
    peer = _reply_box(members[1], thread, anon.pk)
    assert "Member 1" not in peer and peer.startswith("[A member of this cohort wrote]")
    assert "> quietly" in peer
    assert _reply_box(tutor, thread, anon.pk).startswith("[Member 1 wrote]")


def test_quote_of_a_retracted_or_hidden_post_carries_none_of_its_text(setting, tutor, members):
    _, thread, post = setting
    hidden = posts.create_post(thread=thread, author=members[2], body="rude words")
    moderation.hide_post(post=hidden, by=tutor, reason="Keep it civil")
    peer = _reply_box(members[1], thread, hidden.pk)
    assert "rude" not in peer and "hidden by a tutor" in peer
    assert "> rude words" in _reply_box(tutor, thread, hidden.pk)
    posts.create_post(thread=thread, author=members[1], body="Yes", reply_to=post)
    assert posts.retract_post(post=post, by=members[0]) is not None  # a tombstone stays
    for user in (members[1], tutor):
        quoted = _reply_box(user, thread, post.pk)
        assert "Seating" not in quoted and "retracted" in quoted


def test_a_quote_of_a_post_elsewhere_or_nonsense_prefills_nothing(setting, members):
    cohort, thread, _ = setting
    other = posts.create_thread(
        board=general_board(cohort), author=members[2], title="Else", body="secret elsewhere"
    )
    assert _reply_box(members[1], thread, other.posts.get().pk) == ""
    for nonsense in ("abc", "-1", "9" * 30):
        assert _reply_box(members[1], thread, nonsense) == ""


def test_quoting_into_or_out_of_what_one_cannot_see_gives_nothing(setting, members, outsider):
    cohort, thread, post = setting
    private = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    question = posts.create_thread(
        board=private, author=members[0], title="Private", body="secret worry"
    )
    make_cohort(name="Elsewhere", members=[outsider])
    # The thread page of someone else's question, or another cohort's thread: 404, quote or not.
    asked = f"/threads/{question.pk}/?quote={question.first_post_id}"
    assert signed_in(members[1]).get(asked).status_code == 404
    assert signed_in(outsider).get(f"/threads/{thread.pk}/?quote={post.pk}").status_code == 404
    # Quoting the question into a thread one can see carries none of it.
    assert _reply_box(members[1], thread, question.first_post_id) == ""


# --- Quoting a selection (the thread page's Quote with text selected: ``&text=``) -------------
def _quote_selection(user, thread, post_id, text) -> str:
    response = signed_in(user).get(f"/threads/{thread.pk}/", {"quote": post_id, "text": text})
    assert response.status_code == 200
    return response.context["form"]["body"].value() or ""


def test_a_selection_in_the_post_is_quoted_alone(setting, members):
    _, thread, post = setting
    body = _quote_selection(members[1], thread, post.pk, "  Seating plans\n help. ")
    assert (
        body
        == f"[Member 1 wrote](/threads/{thread.pk}/?post={post.pk}):\n> Seating plans help.\n\n"
    )
    # Across paragraphs, as a browser gives it.
    body = _quote_selection(members[1], thread, post.pk, "help.\n\nAsk")
    assert body.endswith("> help. Ask\n\n")


def test_text_not_in_the_post_is_never_quoted(setting, members):
    """A made-up ``text`` quotes the post as it is: nobody is quoted saying what they did not."""
    _, thread, post = setting
    body = _quote_selection(members[1], thread, post.pk, "Seating plans are useless")
    assert "useless" not in body
    assert body.endswith("> Seating plans help.\n>\n> Ask early.\n\n")
    # Text of another post is not in this one either.
    other = posts.create_post(thread=thread, author=members[2], body="Detentions work")
    assert "Detentions" not in _quote_selection(members[1], thread, post.pk, "Detentions work")
    assert other.pk != post.pk


def test_a_selection_of_a_retracted_or_hidden_post_carries_none_of_its_text(
    setting, tutor, members
):
    _, thread, post = setting
    hidden = posts.create_post(thread=thread, author=members[2], body="rude words here")
    moderation.hide_post(post=hidden, by=tutor, reason="Keep it civil")
    peer = _quote_selection(members[1], thread, hidden.pk, "rude words")
    assert "rude" not in peer and "hidden by a tutor" in peer
    posts.create_post(thread=thread, author=members[1], body="Yes", reply_to=post)
    posts.retract_post(post=post, by=members[0])
    quoted = _quote_selection(members[1], thread, post.pk, "Seating plans")
    assert "Seating" not in quoted and "retracted" in quoted
