"""Watching, tracking, muting threads and boards: watchers hear of every post (once, named as
they may see the author), muting silences replies and mentions too, starting or replying
watches by default, a thread's level overrides its board's, nobody outside a thread's audience
is told, unread counts follow the level, and the API answers 404 for what the caller cannot
see and 400/429 for bad or too many requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.boards import selectors
from mentoring.boards.services import posts, scheduling, subscriptions
from mentoring.cohorts.services import remove_membership
from mentoring.core import ratelimit
from mentoring.core.errors import Invalid, NotFound
from mentoring.models import Board, Draft, Notification, Subscription, User
from mentoring.notifications.services.notifications import set_email_preference
from tests.factories import UserFactory, make_cohort, signed_in
from tests.mentoring.boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db
WATCHED = Notification.Kind.WATCHED


@pytest.fixture(autouse=True)
def _clean_limits():
    ratelimit.shared_cache.clear()
    yield
    ratelimit.shared_cache.clear()


def told(user, kind=None) -> list[Notification]:
    rows = Notification.objects.filter(user=user).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def level_of(user, thread) -> tuple[str, str]:
    following = selectors.thread_following(user=user, thread=thread)
    return following.level, following.source


def test_starting_or_replying_watches_reading_does_not(cohort, members, tutor):
    a, b, c = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    assert level_of(a, thread) == ("watching", "thread")
    assert level_of(b, thread) == ("tracking", "default")
    posts.create_post(thread=thread, author=b, body="An answer")
    assert level_of(b, thread) == ("watching", "thread")
    assert not Subscription.objects.get(user=b, thread=thread).chosen
    assert level_of(c, thread) == ("tracking", "default")  # c only reads
    assert selectors.board_following(user=c, board=general_board(cohort)).level == "tracking"


def test_a_watcher_hears_of_every_post_once(cohort, members, tutor):
    a, b, c = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="Fridays", body="Q?")
    subscriptions.set_thread_level(user=c, thread_id=thread.pk, level="watching")
    first = posts.create_post(thread=thread, author=b, body="One idea")
    second = posts.create_post(thread=thread, author=b, body="Another idea")
    assert [n.post_id for n in told(c, WATCHED)] == [first.pk, second.pk]
    assert told(c, WATCHED)[0].title == "Member 2 posted in “Fridays”"
    # The starter hears of each as a reply to their thread, not twice.
    assert [n.kind for n in told(a)] == ["reply", "reply"]
    # b watches since replying, but is never told of their own posts.
    assert told(b) == []
    third = posts.create_post(thread=thread, author=c, body="Me too")
    assert [n.post_id for n in told(b, WATCHED)] == [third.pk]
    # A mention and a watch on the same post: one notification, the mention.
    posts.create_post(thread=thread, author=a, body="Thanks @member3")
    assert [n.kind for n in told(c)][-1] == "mention"
    assert len(told(c)) == 3


def test_a_watchers_notification_goes_away_with_a_retracted_post(cohort, members):
    a, b, c = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    subscriptions.set_thread_level(user=c, thread_id=thread.pk, level="watching")
    post = posts.create_post(thread=thread, author=b, body="Oops")
    assert len(told(c, WATCHED)) == 1
    posts.retract_post(post=post, by=b)
    assert told(c, WATCHED) == []


def test_watching_a_board_tells_of_new_threads_and_a_thread_level_overrides_it(cohort, members):
    a, b, c = members
    board = general_board(cohort)
    subscriptions.set_board_level(user=c, board_id=board.pk, level="watching")
    thread = posts.create_thread(board=board, author=a, title="New one", body="Hello")
    (opening,) = told(c, WATCHED)
    assert opening.title == "Member 1 started “New one”"
    posts.create_post(thread=thread, author=b, body="Hi")
    assert len(told(c, WATCHED)) == 2
    subscriptions.set_thread_level(user=c, thread_id=thread.pk, level="muted")
    posts.create_post(thread=thread, author=b, body="Anyone?")
    assert len(told(c, WATCHED)) == 2


def test_muted_means_nothing_not_even_replies_or_mentions(cohort, members):
    a, b, c = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    subscriptions.set_thread_level(user=a, thread_id=thread.pk, level="muted")
    subscriptions.set_thread_level(user=c, thread_id=thread.pk, level="muted")
    posts.create_post(
        thread=thread, author=b, body="@member1 and @member3, look", reply_to=thread.first_post
    )
    assert told(a) == [] and told(c) == []
    # Replying to a muted thread keeps it muted: the choice was theirs.
    posts.create_post(thread=thread, author=a, body="Quietly")
    assert level_of(a, thread) == ("muted", "thread")


def test_a_muted_board_silences_its_threads_and_its_prompts(cohort, members, tutor):
    a, b, c = members
    board = general_board(cohort)
    subscriptions.set_board_level(user=c, board_id=board.pk, level="muted")
    thread = posts.create_thread(board=board, author=b, title="T", body="@member3 hi")
    assert told(c) == []
    # A thread level of its own brings one thread back.
    subscriptions.set_thread_level(user=c, thread_id=thread.pk, level="tracking")
    posts.create_post(thread=thread, author=b, body="@member3 again")
    assert [n.kind for n in told(c)] == ["mention"]
    # A tutor's scheduled prompt reaches members, except who muted the board.
    publish_at = timezone.now() + timedelta(hours=1)
    (prompt,) = scheduling.schedule_series(
        board=board,
        author=tutor,
        prompts=[scheduling.Prompt("Week 1", "What went well?", publish_at)],
    )
    scheduling.publish_due(now=publish_at + timedelta(seconds=1))
    prompted = set(
        Notification.objects.filter(kind=Notification.Kind.PROMPT).values_list("user", flat=True)
    )
    assert prompted == {a.pk, b.pk}


def test_an_anonymous_author_is_never_named_to_watching_peers(db):
    tutor = UserFactory(username="tutor_w", display_name="Tara Tutor")
    author = UserFactory(username="ann", display_name="Ann Author")
    peer = UserFactory(username="pat", display_name="Pat Peer")
    cohort = make_cohort(
        name="Anon", tutors=[tutor], members=[author, peer], allow_anonymous_to_peers=True
    )
    board = general_board(cohort)
    for user in (peer, tutor):
        subscriptions.set_board_level(user=user, board_id=board.pk, level="watching")
    thread = posts.create_thread(
        board=board, author=author, title="Hard day", body="It went badly", anonymous=True
    )
    posts.create_post(thread=thread, author=author, body="And more", anonymous=True)
    for notice in told(peer, WATCHED):
        assert "Ann" not in notice.title + notice.body
        assert notice.title.startswith("A member of this cohort")
    assert told(tutor, WATCHED)[0].title == "Ann Author started “Hard day”"
    # Nothing about who follows what is shown to anyone else.
    response = signed_in(peer).get(f"/threads/{thread.pk}/")
    assert "Ann" not in response.content.decode().split('id="following"')[1].split("</form>")[0]


def test_a_watcher_who_cannot_see_the_thread_is_never_told(cohort, members, tutor):
    a, b, c = members
    private = private_board(cohort)
    subscriptions.set_board_level(user=c, board_id=private.pk, level="watching")
    subscriptions.set_board_level(user=tutor, board_id=private.pk, level="watching")
    posts.create_thread(board=private, author=a, title="Between us", body="A question")
    assert told(c) == []  # another member's question to the tutors
    assert [n.kind for n in told(tutor)] == ["question"]  # the tutors' duty, told once


def test_watching_notifications_are_emailed_as_the_account_says(cohort, members):
    a, b, c = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q?")
    set_email_preference(user=b, preference=User.EmailPreference.OFF)
    for user in (b, c):
        subscriptions.set_thread_level(user=user, thread_id=thread.pk, level="watching")
    post = posts.create_post(thread=thread, author=a, body="More")
    (to_b,) = told(b, WATCHED)
    (to_c,) = told(c, WATCHED)
    assert to_b.email_due_at is None  # e-mail off: the global switch
    assert to_c.email_due_at == post.editable_until  # as it happens, after the grace period


def test_quiet_levels_hide_unread_counts(cohort, members):
    a, b, c = members
    board = general_board(cohort)
    loud = posts.create_thread(board=board, author=a, title="Loud", body="1")
    quiet = posts.create_thread(board=board, author=a, title="Quiet", body="2")
    assert selectors.unread_in_cohort(user=c, cohort=cohort) == 2
    subscriptions.set_thread_level(user=c, thread_id=quiet.pk, level="normal")
    assert selectors.unread_in_cohort(user=c, cohort=cohort) == 1
    page = selectors.board_threads_page(user=c, board=board, limit=10)
    assert {t.title: t.unread for t in page.items} == {"Loud": 1, "Quiet": 0}
    subscriptions.set_board_level(user=c, board_id=board.pk, level="muted")
    counts = {b.pk: b.unread_count for b in selectors.boards_with_counts(user=c, cohort=cohort)}
    assert counts[board.pk] == 0
    subscriptions.set_thread_level(user=c, thread_id=loud.pk, level="tracking")
    counts = {b.pk: b.unread_count for b in selectors.boards_with_counts(user=c, cohort=cohort)}
    assert counts[board.pk] == 1


def test_the_service_checks_who_may_see_before_the_input(cohort, members, outsider):
    a, b, _ = members
    asked = posts.create_thread(board=private_board(cohort), author=a, title="T", body="Q")
    with pytest.raises(NotFound):
        subscriptions.set_thread_level(user=b, thread_id=asked.pk, level="nonsense")
    with pytest.raises(NotFound):
        subscriptions.set_board_level(user=outsider, board_id=general_board(cohort).pk, level="x")
    with pytest.raises(Invalid) as refused:
        subscriptions.set_thread_level(user=a, thread_id=asked.pk, level="loud")
    assert refused.value.code == "invalid_level"


def test_leaving_the_cohort_forgets_what_was_followed_and_drafted(cohort, members):
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q")
    subscriptions.set_board_level(user=b, board_id=thread.board_id, level="watching")
    subscriptions.set_thread_level(user=b, thread_id=thread.pk, level="muted")
    Draft.objects.create(user=b, cohort=cohort, board=thread.board, thread=thread, body="Hm")
    remove_membership(cohort=cohort, user=b)
    assert not Subscription.objects.filter(user=b).exists()
    assert not Draft.objects.filter(user=b).exists()


# --- The pages --------------------------------------------------------------------------------
def test_the_thread_page_control_works_without_javascript(cohort, members):
    a, b, _ = members
    thread = posts.create_thread(board=general_board(cohort), author=a, title="T", body="Q")
    client = signed_in(b)
    page = client.get(f"/threads/{thread.pk}/").content.decode()
    assert 'id="following-level"' in page and 'value="tracking" selected' in page
    response = client.post(f"/threads/{thread.pk}/subscription/", {"level": "watching"})
    assert response.status_code == 302 and response.url == f"/threads/{thread.pk}/"
    page = client.get(response.url).content.decode()
    assert 'value="watching" selected' in page
    assert "You are watching this thread" in page
    # Asked by following.js: the control alone.
    fragment = client.post(
        f"/threads/{thread.pk}/subscription/",
        {"level": "muted"},
        headers={"X-Requested-With": "fetch"},
    )
    assert fragment.status_code == 200
    assert "You have muted this thread" in fragment.content.decode()
    bad = client.post(
        f"/threads/{thread.pk}/subscription/", {"level": "x"}, headers={"X-Requested-With": "fetch"}
    )
    assert bad.status_code == 400


def test_the_board_page_control(cohort, members, outsider):
    board = general_board(cohort)
    client = signed_in(members[0])
    response = client.post(f"/boards/{board.pk}/subscription/", {"level": "muted"})
    assert response.status_code == 302
    assert "You have muted this board" in client.get(response.url).content.decode()
    # The board's list says which threads are watched or muted (only to this reader).
    thread = posts.create_thread(board=board, author=members[0], title="Mine", body="x")
    listed = client.get(f"/boards/{board.pk}/").content.decode()
    assert '<span class="badge following">Watching</span>' in listed  # started it
    other = signed_in(members[1]).get(f"/boards/{board.pk}/").content.decode()
    assert 'class="badge following"' not in other
    subscriptions.set_thread_level(user=members[0], thread_id=thread.pk, level="muted")
    assert (
        '<span class="badge following">Muted</span>'
        in client.get(f"/boards/{board.pk}/").content.decode()
    )
    assert (
        signed_in(outsider)
        .post(f"/boards/{board.pk}/subscription/", {"level": "muted"})
        .status_code
        == 404
    )


# --- The API ----------------------------------------------------------------------------------
def put(api, user, path, data):
    return api(user)._call("put", path, data)


def test_api_get_and_put_a_threads_and_a_boards_level(api, cohort, members, outsider):
    a, b, _ = members
    board = general_board(cohort)
    thread = posts.create_thread(board=board, author=a, title="T", body="Q")
    url = f"/api/v1/threads/{thread.pk}/subscription"
    assert api(a).get(url).data == {"level": "watching", "source": "thread", "chosen": False}
    assert api(b).get(url).data == {"level": "tracking", "source": "default", "chosen": False}
    response = put(api, b, f"/api/v1/boards/{board.pk}/subscription", {"level": "normal"})
    assert response.status_code == 200
    assert response.data == {"level": "normal", "source": "board", "chosen": True}
    assert api(b).get(url).data == {"level": "normal", "source": "board", "chosen": False}
    assert put(api, b, url, {"level": "watching"}).data["source"] == "thread"
    refused = put(api, b, url, {"level": "loudest"})
    assert refused.status_code == 400 and refused.data["code"] == "invalid_level"
    assert api(outsider).get(url).status_code == 404
    assert put(api, outsider, url, {"level": "muted"}).status_code == 404
    assert (
        put(api, b, "/api/v1/threads/999999999/subscription", {"level": "muted"}).status_code == 404
    )


def test_api_404_for_someone_elses_question(api, cohort, members):
    a, b, _ = members
    asked = posts.create_thread(board=private_board(cohort), author=a, title="T", body="Q")
    url = f"/api/v1/threads/{asked.pk}/subscription"
    assert api(b).get(url).status_code == 404
    assert put(api, b, url, {"level": "watching"}).status_code == 404
    assert not Subscription.objects.filter(user=b).exists()


def test_changing_levels_is_rate_limited(api, cohort, members, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "watch": ["2/60"]}
    board = general_board(cohort)
    url = f"/api/v1/boards/{board.pk}/subscription"
    assert put(api, members[1], url, {"level": "muted"}).status_code == 200
    assert put(api, members[1], url, {"level": "watching"}).status_code == 200
    refused = put(api, members[1], url, {"level": "tracking"})
    assert refused.status_code == 429 and refused.data["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert Subscription.objects.get(user=members[1], board=board).level == "watching"
    assert Board.objects.filter(pk=board.pk).exists()
