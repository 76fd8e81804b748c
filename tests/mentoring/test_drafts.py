"""Drafts: a reply or a new thread being written is kept on the server (autosave and a failed
submit), rendered back into the form by the server, removed on posting or emptying; limited in
size and rate like posts; 404 for what the caller cannot see; in the member's export, gone on
erasure and after the retention period."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mentoring.boards.services import drafts, posts
from mentoring.core import ratelimit
from mentoring.models import MAX_POST_LENGTH, Draft, Thread
from mentoring.privacy.services import erasure
from mentoring.privacy.services.export import collect
from mentoring.privacy.services.retention import apply_retention
from tests.factories import signed_in
from tests.mentoring.boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clean_limits():
    ratelimit.shared_cache.clear()
    yield
    ratelimit.shared_cache.clear()


@pytest.fixture
def thread(cohort, members):
    return posts.create_thread(board=general_board(cohort), author=members[0], title="T", body="Q")


def test_an_autosaved_reply_comes_back_in_the_box_and_goes_when_posted(thread, members):
    client = signed_in(members[1])
    saved = client.post(
        f"/threads/{thread.pk}/draft/",
        {"body": "Half a <thought> & more", "reply_to": thread.first_post_id},
    )
    assert saved.status_code == 200
    assert re.fullmatch(r"Draft saved at \d\d:\d\d\.", saved.content.decode())
    draft = Draft.objects.get(user=members[1], thread=thread)
    assert draft.body == "Half a <thought> & more" and draft.reply_to_id == thread.first_post_id
    page = client.get(f"/threads/{thread.pk}/").content.decode()
    # In the textarea, rendered and escaped by the server; the reply is still to that post.
    assert "Half a &lt;thought&gt; &amp; more</textarea>" in page
    assert 'id="draft-restored"' in page
    assert f'name="reply_to" value="{thread.first_post_id}"' in page
    # Nobody else is offered it.
    other = signed_in(members[2]).get(f"/threads/{thread.pk}/").content.decode()
    assert "Half a" not in other and 'id="draft-restored"' not in other
    response = client.post(f"/threads/{thread.pk}/", {"body": "The whole thought"})
    assert response.status_code == 302
    assert not Draft.objects.filter(user=members[1]).exists()


def test_a_failed_reply_is_kept_as_a_draft(thread, members, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": ["1/60"]}
    client = signed_in(members[1])
    assert client.post(f"/threads/{thread.pk}/", {"body": "First"}).status_code == 302
    refused = client.post(f"/threads/{thread.pk}/", {"body": "Second, refused"})
    assert refused.status_code == 429
    assert Draft.objects.get(user=members[1], thread=thread).body == "Second, refused"
    # The tab closed; opening the thread again offers it back.
    assert "Second, refused</textarea>" in client.get(f"/threads/{thread.pk}/").content.decode()


def test_a_new_thread_draft_on_a_board(cohort, members):
    board = general_board(cohort)
    client = signed_in(members[1])
    assert (
        client.post(f"/boards/{board.pk}/draft/", {"title": "Idea", "body": "Growing"}).status_code
        == 200
    )
    page = client.get(f"/boards/{board.pk}/").content.decode()
    assert 'value="Idea"' in page and "Growing</textarea>" in page
    # A failed start (no title) keeps the newest words.
    refused = client.post(f"/boards/{board.pk}/", {"title": "", "body": "Grown"})
    assert refused.status_code == 400
    assert Draft.objects.get(user=members[1], thread=None).body == "Grown"
    response = client.post(f"/boards/{board.pk}/", {"title": "Idea", "body": "Grown"})
    assert response.status_code == 302
    assert not Draft.objects.filter(user=members[1]).exists()
    assert Thread.objects.filter(title="Idea").exists()


def test_emptying_the_box_forgets_the_draft(thread, members):
    client = signed_in(members[1])
    client.post(f"/threads/{thread.pk}/draft/", {"body": "Something"})
    assert client.post(f"/threads/{thread.pk}/draft/", {"body": "  "}).status_code == 204
    assert not Draft.objects.exists()


def test_a_draft_is_no_longer_than_a_post(thread, members, api):
    client = signed_in(members[1])
    response = client.post(f"/threads/{thread.pk}/draft/", {"body": "x" * (MAX_POST_LENGTH + 1)})
    assert response.status_code == 400 and "at most" in response.content.decode()
    refused = api(members[1])._call(
        "put", f"/api/v1/threads/{thread.pk}/draft", {"body": "x" * (MAX_POST_LENGTH + 1)}
    )
    assert refused.status_code == 400 and refused.data["code"] == "too_long"
    assert not Draft.objects.exists()


def test_autosave_is_rate_limited(thread, members, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "draft": ["2/60"]}
    client = signed_in(members[1])
    for words in ("a", "ab"):
        assert client.post(f"/threads/{thread.pk}/draft/", {"body": words}).status_code == 200
    refused = client.post(f"/threads/{thread.pk}/draft/", {"body": "abc"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert Draft.objects.get().body == "ab"


def test_drafts_404_for_what_the_caller_cannot_see(cohort, members, outsider, api):
    asked = posts.create_thread(board=private_board(cohort), author=members[0], title="T", body="Q")
    for user in (members[1], outsider):
        assert (
            signed_in(user).post(f"/threads/{asked.pk}/draft/", {"body": "peek"}).status_code == 404
        )
        assert api(user).get(f"/api/v1/threads/{asked.pk}/draft").status_code == 404
    assert (
        signed_in(outsider)
        .post(f"/boards/{general_board(cohort).pk}/draft/", {"body": "x"})
        .status_code
        == 404
    )
    assert not Draft.objects.exists()


def test_the_api_keeps_and_returns_a_draft(thread, members, api):
    url = f"/api/v1/threads/{thread.pk}/draft"
    assert api(members[1]).get(url).status_code == 204
    other_thread = posts.create_thread(
        board=thread.board, author=members[0], title="Other", body="X"
    )
    saved = api(members[1])._call(
        "put", url, {"body": "Kept", "reply_to": other_thread.first_post_id}
    )
    assert saved.status_code == 200
    assert saved.data["body"] == "Kept" and saved.data["reply_to"] is None  # not this thread's
    assert api(members[1]).get(url).data["body"] == "Kept"
    assert api(members[2]).get(url).status_code == 204
    board_url = f"/api/v1/boards/{thread.board_id}/draft"
    assert api(members[1])._call("put", board_url, {"title": "New", "body": ""}).status_code == 200
    assert api(members[1]).get(board_url).data["title"] == "New"


def test_old_drafts_go_with_the_retention_job(thread, members, settings):
    settings.RETENTION_DRAFTS_DAYS = 30
    old = Draft.objects.create(
        user=members[1],
        cohort=thread.cohort,
        board=thread.board,
        thread=thread,
        body="old",
        updated_at=NOW - timedelta(days=31),
    )
    Draft.objects.create(
        user=members[2],
        cohort=thread.cohort,
        board=thread.board,
        thread=thread,
        body="recent",
        updated_at=NOW - timedelta(days=29),
    )
    counts = {c.name: c.count for c in apply_retention(now=NOW, dry_run=True)}
    assert counts["drafts"] == 1 and Draft.objects.count() == 2
    counts = {c.name: c.count for c in apply_retention(now=NOW)}
    assert counts["drafts"] == 1
    assert not Draft.objects.filter(pk=old.pk).exists()
    assert list(Draft.objects.values_list("body", flat=True)) == ["recent"]


def test_drafts_and_levels_are_in_the_export_and_gone_on_erasure(thread, members):
    member = members[1]
    drafts.save_reply_draft(user=member, thread_id=thread.pk, body="Unsent words")
    drafts.save_thread_draft(user=member, board_id=thread.board_id, title="Unsent", body="T")
    from mentoring.boards.services import subscriptions

    subscriptions.set_thread_level(user=member, thread_id=thread.pk, level="muted")
    boards = collect(member, now=NOW)["sections"]["boards"]
    assert {d["body"] for d in boards["drafts"]} == {"Unsent words", "T"}
    assert [(f["thread"], f["level"]) for f in boards["following"]] == [("T", "Muted")]
    # Another member's drafts are not in it.
    assert collect(members[2], now=NOW)["sections"]["boards"]["drafts"] == []
    request = erasure.erase_now(user=member)
    erasure.run_erasure(request.pk)
    assert not Draft.objects.exists()


def test_quoting_adds_to_a_draft_and_never_throws_it_away(thread, members):
    client = signed_in(members[1])
    client.post(f"/threads/{thread.pk}/draft/", {"body": "My own start"})
    page = client.get(f"/threads/{thread.pk}/?quote={thread.first_post_id}").content.decode()
    box = page.split('name="body"')[1].split("</textarea>")[0]
    assert "My own start" in box and "&gt; Q" in box
    assert box.index("My own start") < box.index("&gt; Q")
