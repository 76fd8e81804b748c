"""Retracting removes the text for good: from every table, every queued email, every inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from mentoring.boards import selectors
from mentoring.boards.services import moderation, posts
from mentoring.core.errors import ServiceError
from mentoring.models import Membership, Notification, Post, Thread, User
from mentoring.notifications.services import notifications as notification_services
from mentoring.notifications.services.tasks import send_notification_email

from .boards_helpers import general_board

pytestmark = pytest.mark.django_db

TEXT_TYPES = ("text", "character varying", "jsonb", "json", "tsvector", "ARRAY", "bytea")


def tables_containing(marker: str) -> list[str]:
    """Every ``table.column`` of the database whose text holds ``marker``."""
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_name = c.table_name AND t.table_schema = c.table_schema
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
              AND c.data_type = ANY(%s)
            """,
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        for table, column in columns:
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1',
                [f"%{marker}%"],
            )
            if cursor.fetchone():
                hits.append(f"{table}.{column}")
    return hits


def test_a_retracted_posts_text_is_in_no_table(cohort, members, django_capture_on_commit_callbacks):
    a, b, c = members
    marker, earlier = "zebracornquux", "wombatflarp"
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    with django_capture_on_commit_callbacks(execute=True):
        post = posts.create_post(
            thread=thread,
            author=b,
            body=f"My {earlier} draft #{earlier}",
        )
        posts.edit_post(post=post, by=b, body=f"Really {marker} thoughts #{marker}")
        posts.create_post(thread=thread, author=c, body="a reply to it", reply_to=post)
        moderation.flag_post(post=post, by=c, reason="please check")
    # The text is everywhere it should be before: post, revision, search, notification, queue.
    before = tables_containing(marker) + tables_containing(earlier)
    assert "mentoring_post.body" in before and "mentoring_notification.body" in before
    assert "mentoring_postrevision.body" in before and "mentoring_post.search_vector" in before
    with django_capture_on_commit_callbacks(execute=True):
        posts.retract_post(post=post, by=b)
    assert tables_containing(marker) == []
    assert tables_containing(earlier) == []
    tombstone = Post.objects.get(pk=post.pk)
    assert tombstone.is_retracted and tombstone.search_vector is None and tombstone.hashtags == []
    assert not Notification.objects.filter(post_id=post.pk).exists()


def test_retracting_an_opening_post_takes_the_thread_title_too(
    cohort, members, django_capture_on_commit_callbacks
):
    a, b, _ = members
    marker = "quokkatitlezz"
    with django_capture_on_commit_callbacks(execute=True):
        thread = posts.create_thread(
            board=general_board(cohort), author=a, title=f"About {marker}", body="Opening words"
        )
        opening = thread.posts.get()
        posts.create_post(thread=thread, author=b, body="a reply", reply_to=opening)
    assert "mentoring_thread.title" in tables_containing(marker)
    assert "mentoring_notification.title" in tables_containing(marker)
    with django_capture_on_commit_callbacks(execute=True):
        posts.retract_post(post=opening, by=a)
    assert tables_containing(marker) == []
    assert Thread.objects.get(pk=thread.pk).title == posts.RETRACTED_THREAD_TITLE


def test_queued_tasks_carry_ids_never_text(cohort, members, django_capture_on_commit_callbacks):
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    with django_capture_on_commit_callbacks(execute=True):
        posts.create_post(thread=thread, author=b, body="secretivewords in a reply")
    from django_tasks_db.models import DBTaskResult

    queued = list(DBTaskResult.objects.values_list("args_kwargs", flat=True))
    assert queued, "the reply's email should be queued"
    assert all("secretivewords" not in str(args) for args in queued)
    # The text lives only where it should until retraction (the search data holds its stem).
    assert set(tables_containing("secretivewords")) == {
        "mentoring_liveevent.member_text",  # the live log, for ?since= replays; purged too
        "mentoring_notification.body",
        "mentoring_post.body",
        "mentoring_post.body_html",
    }


def test_a_post_without_replies_disappears_and_so_does_an_emptied_thread(cohort, members):
    a = members[0]
    thread = posts.create_thread(board=general_board(cohort), author=a, title="Oops", body="x")
    post = thread.posts.get()
    assert posts.retract_post(post=post, by=a) is None
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Thread.objects.filter(pk=thread.pk).exists()
    assert Membership.objects.get(cohort=cohort, user=a).posts == 0


def test_a_post_with_replies_leaves_a_tombstone_the_thread_shows(cohort, members):
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="first")
    first = thread.posts.get()
    posts.create_post(thread=thread, author=b, body="answer", reply_to=first)
    posts.retract_post(post=first, by=a)
    page = selectors.thread_page(user=b, thread_id=thread.pk)
    assert [p.is_retracted for p in page.posts] == [True, False]
    assert page.posts[0].shown_html == "" and page.top_level[0].children == [page.posts[1]]
    assert Membership.objects.get(cohort=cohort, user=a).posts == 0
    with pytest.raises(ServiceError):
        posts.edit_post(post=first, by=a, body="back from the dead")
    with pytest.raises(ServiceError) as refused:
        posts.create_post(thread=thread, author=b, body="to a tombstone", reply_to=first)
    assert refused.value.code == "invalid_reply_to"


def test_a_retracted_reply_never_reaches_an_inbox(
    cohort, members, django_capture_on_commit_callbacks
):
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    with django_capture_on_commit_callbacks(execute=True):
        reply = posts.create_post(thread=thread, author=b, body="hasty words")
    notification = Notification.objects.get(user=a)
    assert notification.email_due_at == reply.editable_until  # not before the grace period ends
    # The task runs early (a worker picking it up at once) and must not send.
    assert send_notification_email.call(notification.pk) is False
    assert mail.outbox == []
    posts.retract_post(post=reply, by=b)
    # …and when it runs after the deadline, there is nothing left to send.
    assert send_notification_email.call(notification.pk) is False
    assert mail.outbox == []


def test_a_kept_reply_is_emailed_after_the_grace_period(
    cohort, members, django_capture_on_commit_callbacks
):
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    reply = posts.create_post(thread=thread, author=b, body="considered words")
    Post.objects.filter(pk=reply.pk).update(editable_until=timezone.now() - timedelta(seconds=1))
    notification = Notification.objects.get(user=a)
    Notification.objects.filter(pk=notification.pk).update(email_due_at=timezone.now())
    assert send_notification_email.call(notification.pk) is True
    assert len(mail.outbox) == 1 and "considered words" in mail.outbox[0].body


def test_daily_digest_waits_for_the_grace_period_and_skips_retracted_posts(cohort, members):
    from mentoring.notifications.services.tasks import queue_daily_digests, send_daily_digest

    a, b, c = members
    notification_services.set_email_preference(user=a, preference=User.EmailPreference.DAILY)
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    kept = posts.create_post(thread=thread, author=b, body="kept words")
    young = posts.create_post(thread=thread, author=c, body="too young to send")
    gone = posts.create_post(thread=thread, author=c, body="retracted words")
    assert Notification.objects.filter(user=a, email_due_at__isnull=True).count() == 3
    Post.objects.filter(pk__in=[kept.pk, gone.pk]).update(
        editable_until=timezone.now() + timedelta(seconds=5)
    )
    posts.retract_post(post=gone, by=c)
    Post.objects.filter(pk=kept.pk).update(editable_until=timezone.now() - timedelta(seconds=1))
    assert queue_daily_digests() == 1
    assert send_daily_digest.call(a.pk) == 1
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "kept words" in body
    assert "retracted words" not in body and "too young" not in body
    assert Notification.objects.get(post=young, user=a).emailed_at is None


def test_retracting_an_opening_post_purges_its_title_from_nudges_quoting_it(
    cohort, tutor, members, django_capture_on_commit_callbacks
):
    from mentoring.participation.services.nudges import nudge_members

    a, b, _ = members
    marker = "pangolintitlezz"
    with django_capture_on_commit_callbacks(execute=True):
        thread = posts.create_thread(
            board=general_board(cohort), author=a, title=f"On {marker}", body="Opening words"
        )
        opening = thread.posts.get()
        posts.create_post(thread=thread, author=b, body="a reply", reply_to=opening)
        nudge_members(
            cohort=cohort,
            tutor=tutor,
            user_ids=[b.pk],
            message="Have a look at {thread}, {name}",
            thread=thread,
        )
    nudge_notice = Notification.objects.get(user=b, kind=Notification.Kind.NUDGE)
    assert marker in nudge_notice.body and nudge_notice.thread_id == thread.pk
    # Quoting the title, the nudge's email waits for the opening post's grace period.
    assert nudge_notice.email_due_at >= opening.editable_until
    assert send_notification_email.call(nudge_notice.pk) is False
    assert "mentoring_nudge.message" in tables_containing(marker)
    with django_capture_on_commit_callbacks(execute=True):
        posts.retract_post(post=opening, by=a)
    assert tables_containing(marker) == []
    nudge_notice.refresh_from_db()
    assert posts.RETRACTED_THREAD_TITLE in nudge_notice.body  # the tutor's own words stay


def test_hiding_a_post_withdraws_the_notifications_quoting_it(
    cohort, tutor, members, django_capture_on_commit_callbacks
):
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    with django_capture_on_commit_callbacks(execute=True):
        reply = posts.create_post(thread=thread, author=b, body="unkind ocelotwords")
    quoted = Notification.objects.get(user=a, post=reply)
    assert "ocelotwords" in quoted.body
    with django_capture_on_commit_callbacks(execute=True):
        moderation.hide_post(post=reply, by=tutor, reason="Not kind")
    # The thread's author no longer has the hidden text in an inbox, and no email goes out…
    assert not Notification.objects.filter(pk=quoted.pk).exists()
    Post.objects.filter(pk=reply.pk).update(editable_until=timezone.now() - timedelta(seconds=1))
    assert send_notification_email.call(quoted.pk) is False
    assert mail.outbox == []
    # …while the post's author keeps the notice saying why it was hidden.
    notice = Notification.objects.get(user=b, post=reply)
    assert notice.kind == Notification.Kind.MODERATION and "Not kind" in notice.body
    assert set(tables_containing("ocelotwords")) == {
        "mentoring_post.body",
        "mentoring_post.body_html",
        "mentoring_liveevent.tutor_text",  # tutors still see a hidden post, in a replay too
    }


def test_notifications_in_the_api_name_the_thread_they_concern(cohort, members, api):
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    posts.create_post(thread=thread, author=b, body="an answer")
    items = api(a).get("/api/v1/notifications").json()["notifications"]
    assert [n["thread_id"] for n in items if n["kind"] == "reply"] == [thread.pk]


# --- Titles of every length, and edits, leave nothing replayable -------------------------
def all_text() -> list[tuple[str, str]]:
    """Every text value of every column of every table, as (``table.column``, text)."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_name = c.table_name AND t.table_schema = c.table_schema
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
              AND c.data_type = ANY(%s)
            """,
            [list(TEXT_TYPES)],
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL')
            found += [(f"{table}.{column}", value) for (value,) in cursor.fetchall()]
    return found


def pieces(text: str, width: int = 20) -> set[str]:
    """Every ``width``-character piece of ``text`` (the text itself, quoted, if shorter)."""
    if len(text) < width:
        return {f"“{text}"}
    return {text[i : i + width] for i in range(len(text) - width + 1)}


def leftovers(text: str) -> list[str]:
    wanted = pieces(text)
    return sorted({where for where, value in all_text() if any(p in value for p in wanted)})


def unusual_title(length: int) -> str:
    """A title of exactly ``length`` characters that no other text contains."""
    import random

    rng = random.Random(length)
    words = []
    while sum(len(w) + 1 for w in words) <= length:
        words.append("".join(rng.choices("bcdfghjklmnpqrstvwxz", k=rng.randint(3, 9))))
    title = " ".join(words)[:length]
    return title[:-1] + "q" if title.endswith(" ") else title


@pytest.mark.parametrize("length", [1, 19, 20, 21, 150, 176, 199, 200])
def test_a_retracted_title_of_any_length_is_nowhere(
    length, cohort, tutor, members, django_capture_on_commit_callbacks
):
    """Notification titles are cut to 200 characters: a long thread title is there only in part,
    and used to survive a retraction that looked for the whole of it (in notifications, one
    of them a peer's, and in the live log's copies of them)."""
    from mentoring.boards.services import moderation
    from mentoring.participation.services.nudges import nudge_members

    a, b, c = members
    title = unusual_title(length)
    assert len(title) == length
    with django_capture_on_commit_callbacks(execute=True):
        thread = posts.create_thread(
            board=general_board(cohort), author=a, title=title, body="Opening words"
        )
        opening = thread.posts.get()
        b_reply = posts.create_post(thread=thread, author=b, body="B's reply", reply_to=opening)
        c_reply = posts.create_post(thread=thread, author=c, body="C's reply", reply_to=b_reply)
        moderation.flag_post(post=c_reply, by=b, reason="Please look")
        nudge_members(
            cohort=cohort,
            tutor=tutor,
            user_ids=[c.pk],
            message="See {thread}, {name}",
            thread=thread,
        )
    quoting = Notification.objects.filter(Q(thread_id=thread.pk) | Q(post__thread_id=thread.pk))
    # The opening post's author, the peer replied to, the tutor (a flag), the nudged member.
    assert {n.user_id for n in quoting} >= {a.pk, b.pk, tutor.pk, c.pk}
    assert "mentoring_liveevent.member_text" in leftovers(title)
    with django_capture_on_commit_callbacks(execute=True):
        posts.retract_post(post=opening, by=a)
    assert leftovers(title) == []
    assert Notification.objects.filter(user=b, kind=Notification.Kind.REPLY).exists()


def test_a_thread_title_cut_short_in_a_notification_is_replaced_where_it_was_cut():
    cut = "Sam replied to your post in “" + "x" * 171
    assert len(cut) == 200
    title = "x" * 176
    assert posts.without_title(cut, title, cut_at=200) == (
        f"Sam replied to your post in “{posts.RETRACTED_THREAD_TITLE}”"
    )
    whole = "Sam replied to your post in “Q”"
    assert posts.without_title(whole, "Q", cut_at=200) == (
        f"Sam replied to your post in “{posts.RETRACTED_THREAD_TITLE}”"
    )
    # Only the quoted title goes: the same letters elsewhere are someone's name.
    assert posts.without_title("Q. replied in “Q”", "Q", cut_at=200).startswith("Q. replied")


def test_words_edited_away_are_not_replayable(
    cohort, tutor, members, django_capture_on_commit_callbacks
):
    from mentoring.boards.events import thread_group
    from mentoring.notifications.events import user_group
    from mentoring.realtime import log

    a, b, _ = members
    cohort.allow_anonymous_to_peers = True
    cohort.save(update_fields=["allow_anonymous_to_peers"])
    first, second, third = "ocelotfirstdraft", "tapirseconddraft", "final words"
    with django_capture_on_commit_callbacks(execute=True):
        thread = posts.create_thread(
            board=general_board(cohort), author=a, title="Plans", body="Opening words"
        )
        reply = posts.create_post(thread=thread, author=b, body=first, anonymous=True)
    with django_capture_on_commit_callbacks(execute=True):
        posts.edit_post(post=reply, by=b, body=second)
    with django_capture_on_commit_callbacks(execute=True):
        posts.edit_post(post=reply, by=b, body=third)
    # Earlier revisions are kept (the author's own history) until a retraction; nowhere else.
    assert tables_containing(first) == ["mentoring_postrevision.body"]
    assert tables_containing(second) == ["mentoring_postrevision.body"]
    stream = thread_group(thread.pk)
    _, replayed = log.events_after(stream, 0)
    about_reply = [e for e in replayed if f'"id":{reply.pk},' in e.member_text.replace(" ", "")]
    assert [json_type(e.member_text) for e in about_reply] == [
        "post.created",
        "post.edited",
        "post.edited",
    ]
    for event in about_reply:
        for text in event.texts().values():
            assert first not in text and second not in text and third in text
        # Tutors still see who wrote it; members do not.
        assert b.shown_name in event.texts()["tutor"]
        assert b.shown_name not in event.texts()["member"]
    # The thread author's reply notification, and its copy in their live log, say it now.
    notice = Notification.objects.get(user=a, kind=Notification.Kind.REPLY)
    assert third in notice.body
    _, mine = log.events_after(user_group(a.pk), 0)
    assert mine and all(first not in e.member_text and second not in e.member_text for e in mine)


def json_type(text: str) -> str:
    import json

    return json.loads(text)["type"]
