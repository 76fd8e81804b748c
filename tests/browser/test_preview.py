"""Markdown preview before posting (issue 13): the thread and reply forms show the post as the
server will render it, without posting it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentoring.boards.services.posts import create_thread
from mentoring.models import Board, Post
from tests.conftest import run_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_preview_in_the_new_thread_and_reply_forms(browser_as, cohort, members):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = run_in_thread(create_thread, board=board, author=members[1], title="T", body="b")
    page = browser_as(members[0])
    page.goto(f"/boards/{board.pk}/")
    page.get_by_label("Your first post").fill("A **calm** start #behaviour")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview of your post")
    expect(preview.locator("strong")).to_have_text("calm")
    expect(preview.get_by_role("link", name="#behaviour")).to_be_visible()

    page.goto(f"/threads/{thread.pk}/")
    page.get_by_label("Your reply").fill("1. first\n2. second")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("region", name="Preview of your post").locator("li")).to_have_count(2)
    assert Post.objects.filter(thread=thread).count() == 1
