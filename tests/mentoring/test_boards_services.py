"""Threads, posts, replies, anonymity, moderation, search and reads through the services."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentoring.boards import selectors
from mentoring.boards.services import moderation, posts
from mentoring.core.errors import Forbidden, NotFound, ServiceError
from mentoring.models import (
    MAX_POST_LENGTH,
    Membership,
    Notification,
    Post,
    PostFlag,
    Thread,
    ThreadReadState,
)
from mentoring.rules.permissions import forget_cached_permissions
from tests.factories import UserFactory, make_cohort

from .boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db


def test_every_new_cohort_has_a_general_and_an_ask_a_tutor_board(cohort, members):
    kinds = {b.kind for b in selectors.visible_boards(user=members[0], cohort=cohort)}
    assert kinds == {"general", "private"}


def test_thread_starts_with_its_first_post_and_counts_as_posting(cohort, members):
    nqt = members[0]
    thread = posts.create_thread(
        board=general_board(cohort),
        author=nqt,
        title="  Year 9 on Fridays ",
        body="Help **please**",
    )
    post = thread.posts.get()
    assert thread.title == "Year 9 on Fridays"
    assert post.body_html == "<p>Help <strong>please</strong></p>\n"
    assert post.editable_until == post.created_at + cohort.grace_period
    assert Membership.objects.get(cohort=cohort, user=nqt).posts == 1


@pytest.mark.parametrize("body", ["", "   \n ", "x" * (MAX_POST_LENGTH + 1)])
def test_empty_or_overlong_bodies_are_refused_and_nothing_is_written(cohort, members, body):
    with pytest.raises(ServiceError) as refused:
        posts.create_thread(board=general_board(cohort), author=members[0], title="T", body=body)
    assert refused.value.extra["field"] == "body"
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_a_body_of_exactly_the_limit_is_accepted(cohort, members):
    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="Long", body="y" * MAX_POST_LENGTH
    )
    assert len(thread.posts.get().body) == MAX_POST_LENGTH


def test_reply_to_a_post_of_another_thread_is_refused(cohort, members):
    board = general_board(cohort)
    one = posts.create_thread(board=board, author=members[0], title="One", body="first")
    two = posts.create_thread(board=board, author=members[1], title="Two", body="second")
    with pytest.raises(ServiceError) as refused:
        posts.create_post(thread=two, author=members[2], body="hi", reply_to=one.posts.get().pk)
    assert refused.value.code == "invalid_reply_to"
    assert two.posts.count() == 1


def test_posting_to_a_board_of_another_cohort_is_not_found(cohort, members):
    other = make_cohort(name="Other cohort", tutors=[UserFactory(username="tutor_other")])
    with pytest.raises(ServiceError) as refused:
        posts.create_thread(board=general_board(other), author=members[0], title="x", body="y")
    assert isinstance(refused.value, NotFound)
    assert not Thread.objects.exists()


def test_replies_are_one_level_deep_and_notify_the_authors(cohort, members):
    a, b, c = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="Marking", body="?")
    first = thread.posts.get()
    reply = posts.create_post(thread=thread, author=b, body="Try *rubrics*", reply_to=first)
    nested = posts.create_post(thread=thread, author=c, body="Agreed", reply_to=reply)
    assert reply.reply_to_id == first.pk
    assert nested.reply_to_id == first.pk  # a reply to a reply hangs on the post it answers
    to_a = Notification.objects.filter(user=a, kind="reply").order_by("created_at")
    assert [n.post_id for n in to_a] == [reply.pk, nested.pk]
    assert "Member 2 replied to your post" in to_a[0].title
    assert to_a[0].body == "Try rubrics"
    assert not Notification.objects.filter(user=c).exists()


def test_anonymous_posts_hide_the_author_from_peers_but_not_tutors(tutor, members):
    cohort = make_cohort(
        name="Anon", tutors=[tutor], members=members, allow_anonymous_to_peers=True
    )
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=b, title="Q", body="start")
    posts.create_post(thread=thread, author=a, body="I struggle with #behaviour", anonymous=True)
    peer_page = selectors.thread_page(user=b, thread_id=thread.pk)
    tutor_page = selectors.thread_page(user=tutor, thread_id=thread.pk)
    own_page = selectors.thread_page(user=a, thread_id=thread.pk)
    assert peer_page.posts[1].shown_author == "a member of this cohort"
    assert tutor_page.posts[1].shown_author == "Member 1"
    assert own_page.posts[1].shown_author == "Member 1"
    notification = Notification.objects.get(user=b)
    assert "Member 1" not in notification.title and "member1" not in notification.title
    assert notification.title.startswith("A member of this cohort replied")
    found = selectors.search_page(user=b, cohort=cohort, query="struggle").items
    assert [p.shown_author for p in found] == ["a member of this cohort"]
    tagged = selectors.tagged_page(user=b, cohort=cohort, tag="Behaviour").items
    assert [p.shown_author for p in tagged] == ["a member of this cohort"]
    stream = selectors.activity_page(user=b, cohort=cohort).items
    assert "Member 1" not in [p.shown_author for p in stream]
    assert Membership.objects.get(cohort=cohort, user=a).posts == 1  # still counts as posting


def test_anonymous_posting_is_refused_where_the_cohort_does_not_allow_it(cohort, members):
    with pytest.raises(ServiceError) as refused:
        posts.create_thread(
            board=general_board(cohort), author=members[0], title="T", body="b", anonymous=True
        )
    assert refused.value.code == "anonymous_not_allowed"
    assert not Post.objects.exists()


def test_ask_a_tutor_threads_are_seen_by_their_author_and_tutors_only(cohort, tutor, members):
    a, b, _ = members
    board = private_board(cohort)
    thread = posts.create_thread(board=board, author=a, title="Scared of SLT", body="Help")
    assert selectors.visible_thread(user=a, thread_id=thread.pk) is not None
    assert selectors.visible_thread(user=tutor, thread_id=thread.pk) is not None
    assert selectors.visible_thread(user=b, thread_id=thread.pk) is None
    assert [t.pk for t in selectors.board_threads(user=b, board=board)] == []
    assert selectors.activity_page(user=b, cohort=cohort).items == []
    with pytest.raises(ServiceError) as refused:
        posts.create_post(thread=thread, author=b, body="nosy")
    assert isinstance(refused.value, NotFound)
    posts.create_post(thread=thread, author=tutor, body="Let's talk")
    assert Notification.objects.get(user=a).post.author == tutor


def test_outsiders_see_nothing(cohort, members, outsider):
    posts.create_thread(board=general_board(cohort), author=members[0], title="T", body="b")
    assert not selectors.visible_boards(user=outsider, cohort=cohort).exists()
    assert selectors.search_page(user=outsider, cohort=cohort, query="b").items == []


def test_hashtags_are_stored_and_found_by_tag(cohort, members):
    thread = posts.create_thread(
        board=general_board(cohort),
        author=members[0],
        title="Seating",
        body="Seating plans and #Behaviour, also #seating-plans",
    )
    post = thread.posts.get()
    assert post.hashtags == ["behaviour", "seating-plans"]
    assert f'href="/cohorts/{cohort.pk}/tags/behaviour/"' in post.body_html
    assert [
        p.pk for p in selectors.tagged_page(user=members[1], cohort=cohort, tag="behaviour").items
    ] == [post.pk]


def test_full_text_search_follows_edits_and_highlights_safely(cohort, members):
    a = members[0]
    thread = posts.create_thread(
        board=general_board(cohort),
        author=a,
        title="Parents evening",
        body="Nervous <b>about</b> it",
    )
    post = thread.posts.get()
    by_title = selectors.search_page(user=members[1], cohort=cohort, query="parents").items
    assert [p.pk for p in by_title] == [post.pk]
    posts.edit_post(post=post, by=a, body="Confident about marking")
    assert selectors.search_page(user=members[1], cohort=cohort, query="nervous").items == []
    found = selectors.search_page(user=members[1], cohort=cohort, query="marking").items
    assert [p.pk for p in found] == [post.pk]
    assert "<mark>marking</mark>" in found[0].headline_html
    posts.create_post(thread=thread, author=a, body="<script>x</script> marking again")
    html = " ".join(
        p.headline_html for p in selectors.search_page(user=a, cohort=cohort, query="marking").items
    )
    assert "<script" not in html and "again" in html


def test_tutors_hide_and_unhide_posts_with_a_reason(cohort, tutor, members):
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="rude")
    post = thread.posts.get()
    moderation.flag_post(post=post, by=b, reason="unkind")
    moderation.flag_post(post=post, by=b, reason="unkind")  # twice changes nothing
    assert PostFlag.objects.count() == 1
    queue = selectors.moderation_queue(cohort=cohort)
    assert [entry["post"].pk for entry in queue["flagged"]] == [post.pk]
    with pytest.raises(ServiceError) as refused:
        moderation.hide_post(post=post, by=b, reason="I don't like it")
    assert isinstance(refused.value, Forbidden)
    with pytest.raises(ServiceError):
        moderation.hide_post(post=post, by=tutor, reason="  ")
    moderation.hide_post(post=post, by=tutor, reason="Please keep it kind")
    peer_view = selectors.thread_page(user=b, thread_id=thread.pk).posts[0]
    assert peer_view.shown_html == "" and peer_view.is_hidden
    assert selectors.thread_page(user=tutor, thread_id=thread.pk).posts[0].shown_html
    assert selectors.search_page(user=b, cohort=cohort, query="rude").items == []
    assert selectors.moderation_queue(cohort=cohort)["flagged"] == []
    assert Notification.objects.get(user=a, kind="moderation").body == "Reason: Please keep it kind"
    moderation.unhide_post(post=post, by=tutor)
    assert selectors.thread_page(user=b, thread_id=thread.pk).posts[0].shown_html == "<p>rude</p>\n"


def test_unread_counts_follow_reads(cohort, members):
    from mentoring.participation.services.counters import record_thread_read

    a, b, _ = members
    board = general_board(cohort)
    thread = posts.create_thread(board=board, author=a, title="T", body="one")
    posts.create_post(thread=thread, author=a, body="two")
    assert selectors.board_threads(user=b, board=board)[0].unread == 2
    assert selectors.unread_in_cohort(user=b, cohort=cohort) == 1
    record_thread_read(user=b, thread=thread)
    assert selectors.board_threads(user=b, board=board)[0].unread == 0
    posts.create_post(thread=thread, author=a, body="three")
    assert selectors.board_threads(user=b, board=board)[0].unread == 1
    page = selectors.thread_page(user=b, thread_id=thread.pk)
    assert [p.is_new for p in page.posts] == [False, False, True]
    assert ThreadReadState.objects.filter(user=b, thread=thread).count() == 1


def _thread_with_posts(cohort, members, n):
    """A thread of ``n`` posts, every third a reply; rows written in bulk to keep this fast."""
    from datetime import timedelta

    from django.utils import timezone

    thread = posts.create_thread(
        board=general_board(cohort), author=members[0], title="Long", body="start"
    )
    root = thread.posts.get()
    now = timezone.now()
    Post.objects.bulk_create(
        Post(
            thread=thread,
            cohort=cohort,
            author=members[i % len(members)],
            reply_to=root if i % 3 == 0 else None,
            body=f"post {i}",
            body_html=f"<p>post {i}</p>",
            anonymous=False,
            created_at=now + timedelta(milliseconds=i + 1),
            editable_until=now + timedelta(minutes=30),
        )
        for i in range(n - 1)
    )
    return thread


def test_thread_page_takes_a_fixed_number_of_queries(cohort, members):
    small = _thread_with_posts(cohort, members, 3)
    big = _thread_with_posts(cohort, members, 300)
    counts = []
    sizes = []
    for thread, number in ((small, 1), (big, 1), (big, 5), (big, 10)):
        forget_cached_permissions(members[1])  # measure all cold
        with CaptureQueriesContext(connection) as queries:
            page = selectors.thread_page(user=members[1], thread_id=thread.pk, number=number)
            # Everything the template touches, read for every post.
            touched = [(p.shown_author, p.shown_html, p.can_edit, p.children) for p in page.posts]
        counts.append(len(queries))
        sizes.append(len(touched))
    assert sizes == [3] + [selectors.POSTS_PER_PAGE] * 3
    assert page.page_count == 10 and page.is_last
    assert len(set(counts)) == 1 and counts[0] <= 12
    assert selectors.thread_page(user=members[1], thread_id=big.pk, number=11) is None


def test_thread_page_view_takes_the_same_queries_for_3_or_300_posts(cohort, members):
    from django.test import Client

    client = Client()
    client.force_login(members[1])
    counts = []
    for thread in (
        _thread_with_posts(cohort, members, 3),
        _thread_with_posts(cohort, members, 300),
    ):
        client.get(f"/threads/{thread.pk}/")  # first read inserts; measure a repeat visit
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/threads/{thread.pk}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert response.content.decode().count('class="post-item"') == selectors.POSTS_PER_PAGE
    assert counts[0] == counts[1] <= 30


def test_migration_gives_existing_cohorts_their_boards(cohort):
    import importlib

    from django.apps import apps

    from mentoring.models import Board, Cohort

    bare = Cohort.objects.create(name="Made in the admin")
    migration = importlib.import_module("mentoring.migrations.0002_boards_for_existing_cohorts")
    migration.add_missing_boards(apps, None)
    migration.add_missing_boards(apps, None)  # twice: idempotent
    assert sorted(Board.objects.filter(cohort=bare).values_list("kind", flat=True)) == [
        "general",
        "private",
    ]
    assert Board.objects.filter(cohort=cohort).count() == 2
