"""First use, polished (issue 13): what new tutors and members tripped over, server side."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from mentoring.boards.services.posts import create_post, create_thread
from mentoring.models import Notification
from mentoring.notifications.services.notifications import notify
from tests.factories import signed_in
from tests.mentoring.boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described_by: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described_by.extend(attrs["aria-describedby"].split())


def dangling_descriptions(html: str) -> tuple[list[str], int]:
    """aria-describedby targets missing from the page, and how many targets there were."""
    parser = _Ids()
    parser.feed(html)
    return [i for i in parser.described_by if i not in parser.ids], len(parser.described_by)


# --- Help text is announced ------------------------------------------------------------------
def test_every_form_fields_description_points_at_its_help_text(cohort, tutor, members):
    cohort.allow_anonymous_to_peers = True
    cohort.save()
    thread = create_thread(board=general_board(cohort), author=members[0], title="T", body="B")
    member, teacher = signed_in(members[0]), signed_in(tutor)
    pages = {
        "board": member.get(f"/boards/{general_board(cohort).pk}/"),
        "thread": member.get(f"/threads/{thread.pk}/"),
        "settings": teacher.get(f"/cohorts/{cohort.pk}/settings/"),
        "members": teacher.get(f"/cohorts/{cohort.pk}/members/"),
        "dashboard": teacher.get(f"/cohorts/{cohort.pk}/dashboard/"),
        "email": member.get("/settings/notifications/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        missing, total = dangling_descriptions(response.content.decode())
        assert total, f"{name}: no field is described"
        assert missing == [], f"{name}: aria-describedby points at nothing: {missing}"


def test_field_errors_are_announced_with_the_field(cohort, members):
    response = signed_in(members[0]).post(
        f"/boards/{general_board(cohort).pk}/", {"title": "", "body": ""}
    )
    html = response.content.decode()
    assert 'aria-describedby="id_title_error"' in html and 'id="id_title_error"' in html
    assert dangling_descriptions(html)[0] == []


# --- Anonymity where it means something ------------------------------------------------------
def test_reply_in_own_anonymous_thread_defaults_to_anonymous(cohort, members):
    cohort.allow_anonymous_to_peers = True
    cohort.save()
    board = general_board(cohort)
    mine = create_thread(board=board, author=members[0], title="M", body="b", anonymous=True)
    named = create_thread(board=board, author=members[0], title="N", body="b")
    other = create_thread(board=board, author=members[1], title="O", body="b", anonymous=True)
    client = signed_in(members[0])
    assert _checkbox(client.get(f"/threads/{mine.pk}/")).endswith(" checked")
    assert "checked" not in _checkbox(client.get(f"/threads/{named.pk}/"))
    assert "checked" not in _checkbox(client.get(f"/threads/{other.pk}/"))


def _checkbox(response) -> str:
    html = response.content.decode()
    start = html.index('<input type="checkbox" name="anonymous"')
    return html[start : html.index(">", start)]


def test_ask_a_tutor_offers_no_anonymity(cohort, members):
    cohort.allow_anonymous_to_peers = True
    cohort.save()
    client = signed_in(members[0])
    board = private_board(cohort)
    assert 'name="anonymous"' not in client.get(f"/boards/{board.pk}/").content.decode()
    question = create_thread(board=board, author=members[0], title="Q", body="b")
    assert 'name="anonymous"' not in client.get(f"/threads/{question.pk}/").content.decode()
    general = client.get(f"/boards/{general_board(cohort).pk}/").content.decode()
    assert 'name="anonymous"' in general


# --- Notifications read themselves ------------------------------------------------------------
def test_opening_a_notifications_thread_marks_it_read(cohort, members):
    thread = create_thread(board=general_board(cohort), author=members[0], title="T", body="B")
    reply = create_post(thread=thread, author=members[1], body="A reply")
    note = Notification.objects.get(user=members[0], post=reply)
    other = notify(user=members[0], kind="system", title="Elsewhere", url="/scenarios/")
    client = signed_in(members[0])
    assert note.url == f"/threads/{thread.pk}/?post={reply.pk}#post-{reply.pk}"
    response = client.get(f"/threads/{thread.pk}/")
    note.refresh_from_db()
    other.refresh_from_db()
    assert note.read_at is not None and other.read_at is None
    # The page's own header counter already leaves it out.
    assert 'data-count="1"' in response.content.decode()


def test_a_notification_whose_target_has_gone_says_so(cohort, members, tutor):
    from mentoring.cohorts.services import remove_membership

    thread = create_thread(board=general_board(cohort), author=tutor, title="T", body="B")
    reply = create_post(thread=thread, author=members[1], body="A reply")
    create_post(thread=thread, author=members[0], body="Mine", reply_to=reply)
    note = notify(
        user=members[2], kind="system", title="Look at this thread", url=f"/threads/{thread.pk}/"
    )
    remove_membership(cohort=cohort, user=members[2])
    client = signed_in(members[2])
    response = client.get(f"/threads/{thread.pk}/")
    assert response.status_code == 410
    html = response.content.decode()
    assert "no longer available" in html and "Look at this thread" in html
    note.refresh_from_db()
    assert note.read_at is not None
    # Without such a notification the page is the usual 404.
    assert client.get(f"/threads/{thread.pk + 1000}/").status_code == 404


# --- Signed out, a bookmark leads to sign-in and back -----------------------------------------
def test_signed_out_pages_send_people_to_sign_in_and_back(cohort, members):
    thread = create_thread(board=general_board(cohort), author=members[0], title="T", body="B")
    for url in (
        f"/threads/{thread.pk}/",
        f"/cohorts/{cohort.pk}/",
        f"/cohorts/{cohort.pk}/dashboard/",
        "/notifications/",
        "/settings/notifications/",
        "/scenarios/",
    ):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={url}", url


def test_header_names_the_account_page_and_tutors_reach_cohort_settings(
    cohort, tutor, members, wagtail_root
):
    from demo.site import seed_home_page

    seed_home_page()
    home = signed_in(tutor).get("/").content.decode()
    assert ">Account and e-mail</a>" in home and ">Settings</a>" not in home
    assert f'href="/cohorts/{cohort.pk}/settings/">Cohort settings</a>' in home
    member_home = signed_in(members[0]).get("/").content.decode()
    assert f"/cohorts/{cohort.pk}/settings/" not in member_home
    account = signed_in(tutor).get("/settings/notifications/").content.decode()
    assert f'href="/cohorts/{cohort.pk}/settings/">cohort settings</a>' in account
    assert (
        "Cohorts you tutor"
        not in signed_in(members[0]).get("/settings/notifications/").content.decode()
    )


# --- Markdown preview, by the same renderer and sanitiser as a post --------------------------
def test_preview_renders_like_a_post_and_only_for_those_who_see_the_board(
    cohort, members, outsider
):
    board = general_board(cohort)
    url = f"/boards/{board.pk}/preview/"
    body = "**Calm** start #behaviour <script>alert(1)</script>"
    response = signed_in(members[0]).post(url, {"body": body})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Calm</strong>" in html and "<script>" not in html
    assert f'href="/cohorts/{cohort.pk}/tags/behaviour/"' in html
    post = create_post(
        thread=create_thread(board=board, author=members[0], title="T", body="b"),
        author=members[0],
        body=body,
    )
    assert post.body_html in html
    assert signed_in(outsider).post(url, {"body": "x"}).status_code == 404
    assert signed_in(members[0]).post(url, {"body": "x" * 20001}).status_code == 400
    assert signed_in(members[0]).get(url).status_code == 405
