"""Bad input is a 4xx with a machine-readable code, never a 500 (issue 9, items 9, 11, 12, 15)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from mentoring.cohorts.services import add_membership
from mentoring.models import Board, Cohort, Membership, Post, Thread, User
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db

NUL = "\x00"


@pytest.fixture
def board(cohort):
    return Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)


@pytest.fixture
def thread(api, board, members):
    response = api(members[0]).post(
        f"/api/v1/boards/{board.pk}/threads", {"title": "Seating plans", "body": "Ideas?"}
    )
    assert response.status_code == 201
    return Thread.objects.get(pk=response.data["id"])


# --- NUL bytes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("member", "post", "/api/v1/boards/{board}/threads", {"title": "a\x00", "body": "b"}),
        ("member", "post", "/api/v1/boards/{board}/threads", {"title": "a", "body": "b\x00"}),
        ("member", "post", "/api/v1/threads/{thread}/posts", {"body": "x\x00y"}),
        ("member", "post", "/api/v1/posts/{post}/flags", {"reason": "\x00"}),
        ("member", "patch", "/api/v1/posts/{post}", {"body": "\x00"}),
        ("tutor", "patch", "/api/v1/cohorts/{cohort}", {"name": "New\x00name"}),
        ("tutor", "patch", "/api/v1/cohorts/{cohort}", {"nudge_template": "\x00"}),
        ("tutor", "post", "/api/v1/cohorts/{cohort}/members", {"usernames": ["a\x00"]}),
        ("tutor", "post", "/api/v1/posts/{post}/hide", {"reason": "\x00"}),
        ("tutor", "post", "/api/v1/cohorts/{cohort}/nudges", {"user_ids": [], "message": "\x00"}),
        ("tutor", "patch", "/api/v1/cohorts/{cohort}", {"name\x00": "x"}),
    ],
)
def test_nul_in_any_api_text_is_a_400(
    api, cohort, board, thread, tutor, members, who, method, path, body
):
    post = thread.posts.first()
    url = path.format(board=board.pk, thread=thread.pk, post=post.pk, cohort=cohort.pk)
    client = api(tutor if who == "tutor" else members[0])
    posts = Post.objects.count()
    response = getattr(client, method)(url, body)
    assert response.status_code == 400, response.content
    assert response.data["code"] == "invalid" and "NUL" in response.data["detail"]
    assert Post.objects.count() == posts


def test_nul_in_a_url_path_or_query_is_a_400(api, cohort, members):
    page = signed_in(members[0])
    assert page.get(f"/cohorts/{cohort.pk}/tags/a%00b/").status_code == 400
    assert page.get(f"/cohorts/{cohort.pk}/search/", {"q": "a\x00"}).status_code == 400
    response = api(members[0]).get(f"/api/v1/cohorts/{cohort.pk}/boards?x=%00")
    assert response.status_code == 400 and response.data["code"] == "invalid"


def test_nul_in_a_page_form_is_a_field_error(cohort, tutor):
    response = signed_in(tutor).post(
        f"/scenarios/cohorts/{cohort.pk}/", {"scenario": "1\x00", "group_size": "2\x00"}
    )
    assert response.status_code in (200, 400)


# --- Integers and sizes ------------------------------------------------------------------------
@pytest.mark.parametrize("value", [2**31, 2**63, -(2**31) - 1, 1e300])
def test_integers_beyond_the_column_are_a_400(api, cohort, tutor, value):
    response = api(tutor).patch(f"/api/v1/cohorts/{cohort.pk}", {"reader_threshold": value})
    assert response.status_code == 400 and response.data["code"] == "invalid"
    cohort.refresh_from_db()
    assert cohort.reader_threshold == 1


def test_the_largest_integer_the_column_holds_is_accepted(api, cohort, tutor):
    response = api(tutor).patch(f"/api/v1/cohorts/{cohort.pk}", {"reader_threshold": 2**31 - 1})
    assert response.status_code == 200
    assert Cohort.objects.get(pk=cohort.pk).reader_threshold == 2**31 - 1


def test_nan_is_not_a_number_the_api_takes(api, cohort, tutor):
    response = api(tutor).client.patch(
        f"/api/v1/cohorts/{cohort.pk}",
        data='{"reader_threshold": NaN}',
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"


@pytest.mark.parametrize("auth", ["token", "session"])
def test_a_ten_megabyte_body_is_a_413_json(api, board, members, auth):
    body = json.dumps({"title": "Big", "body": "x" * (10 * 1024 * 1024)})
    client = api(members[0]).client if auth == "token" else signed_in(members[0])
    response = client.post(
        f"/api/v1/boards/{board.pk}/threads", data=body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and response.json()["detail"]
    assert not Thread.objects.filter(title="Big").exists()


# --- Errors are JSON, DEBUG or not -------------------------------------------------------------
def test_an_unexpected_error_in_the_api_is_json_even_under_debug(
    api, members, settings, monkeypatch
):
    settings.DEBUG = True
    monkeypatch.setattr(User, "shown_name", property(lambda self: 1 / 0))
    response = api(members[0]).get("/api/v1/me")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.data["code"] == "server_error" and response.data["detail"]


# --- The members page --------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["abc", "1\x00", str(2**40), ""])
def test_removing_with_a_bad_value_is_refused_politely(cohort, tutor, members, value):
    response = signed_in(tutor).post(
        f"/cohorts/{cohort.pk}/members/", {"remove": value}, follow=True
    )
    assert response.status_code == 200
    assert "not in this cohort" in response.content.decode()
    assert Membership.objects.filter(cohort=cohort, role="member").count() == len(members)


def test_removing_someone_outside_the_cohort_does_not_name_them(cohort, tutor, outsider):
    response = signed_in(tutor).post(
        f"/cohorts/{cohort.pk}/members/", {"remove": outsider.pk}, follow=True
    )
    html = response.content.decode()
    assert "not in this cohort" in html and outsider.shown_name not in html


def test_removing_a_member_still_works(cohort, tutor, members):
    response = signed_in(tutor).post(
        f"/cohorts/{cohort.pk}/members/", {"remove": members[0].pk, "confirm": "1"}, follow=True
    )
    assert f"{members[0].shown_name} is no longer in" in response.content.decode()
    assert not Membership.objects.filter(cohort=cohort, user=members[0]).exists()


# --- Open redirects ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "http:\\\\evil.example"]
)
def test_hide_and_unhide_never_redirect_off_site(cohort, tutor, thread, next_url):
    post = thread.posts.first()
    client = signed_in(tutor)
    hidden = client.post(f"/posts/{post.pk}/hide/", {"reason": "Off topic", "next": next_url})
    assert hidden.status_code == 302 and hidden["Location"] == post.get_absolute_url()
    shown = client.post(f"/posts/{post.pk}/unhide/", {"next": next_url})
    assert shown.status_code == 302 and shown["Location"] == post.get_absolute_url()


def test_hide_keeps_a_next_on_this_site(cohort, tutor, thread):
    post = thread.posts.first()
    target = f"/cohorts/{cohort.pk}/moderation/"
    hidden = signed_in(tutor).post(f"/posts/{post.pk}/hide/", {"reason": "No", "next": target})
    assert hidden["Location"] == target


# --- CSV export --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "=1+1",
        " =1+1",
        "\t=1+1",
        ";=1+1",
        ",@SUM(A1)",
        "  -2+3",
        "\r+1",
        "\u00a0=1",
        "\uff1d1+1",  # full-width equals sign
        "\uff0b1",  # full-width plus
        "\uff20SUM(A1)",  # full-width commercial at
        "\ufe66HYPERLINK(x)",  # small equals sign
        "\u200b=1+1",  # zero-width space (Cf)
        "\u200d\u2060=1",  # zero-width joiner, word joiner
        "\ufeff=1",  # a BOM inside the cell
        "\u3000=1",  # ideographic space (Zs)
        "\u2003\u200b\uff1b\uff1d1",  # em space, zero-width space, full-width ";" then "＝"
        "\t",
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cohort, tutor, name):
    member = UserFactory(username="formula", display_name=name)
    add_membership(cohort=cohort, user=member)
    response = signed_in(tutor).get(f"/cohorts/{cohort.pk}/dashboard/participation.csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    row = next(r for r in rows if r["username"] == "formula")
    assert row["display_name"] == "'" + name


def test_csv_leaves_ordinary_names_alone(cohort, tutor, members):
    response = signed_in(tutor).get(f"/cohorts/{cohort.pk}/dashboard/participation.csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert {r["display_name"] for r in rows} >= {m.display_name for m in members}


@pytest.mark.parametrize("text", ["Zoë", "\uff21nna", "a=b", "O'Neil", "\u200bZoë", "", "2-3"])
def test_the_formula_guard_leaves_text_that_starts_otherwise_alone(text):
    from mentoring.core.spreadsheet import neutralise_formula

    assert neutralise_formula(text) == text


# --- Far-future dates --------------------------------------------------------------------------
@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-14:00", "2999-01-01T09:00:00Z"])
def test_a_thread_scheduled_past_the_horizon_is_a_400(api, board, tutor, when):
    response = api(tutor).post(
        f"/api/v1/boards/{board.pk}/threads",
        {"title": "Far away", "body": "Later", "publish_at": when},
    )
    assert response.status_code == 400 and response.data["code"] == "invalid"
    assert not Thread.objects.filter(title="Far away").exists()


def test_the_form_mixin_refuses_nul_even_where_a_field_would_not():
    from django import forms

    from mentoring.core.validation import SaneInputFormMixin

    class Form(SaneInputFormMixin, forms.Form):
        flag = forms.BooleanField(required=False)

    assert forms.BooleanField(required=False).clean("on\x00") is True  # Django lets it through
    form = Form({"flag": "on\x00"})
    assert not form.is_valid() and "NUL" in form.errors["flag"][0]
    assert Form({"flag": "on"}).is_valid()
