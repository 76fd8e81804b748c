"""Error answers: the API's are JSON wherever the path leads, and the site's error pages need
no database (Django renders them in a thread of its own, whose connection nobody checked)."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.urls import get_resolver

pytestmark = pytest.mark.django_db

UNKNOWN_API_PATHS = [
    "/api/v1/no-such-thing",
    "/api/v1/no-such-thing/",
    "/api/v1/cohorts/1/no/such/thing",
    "/api/v1/cohorts/",  # an operation's path with a trailing slash is not that operation
    "/api/v1/",
    "/api/v2/cohorts/",
]


@pytest.mark.parametrize("path", UNKNOWN_API_PATHS)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_path_answers_json_404(client, wagtail_root, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 404, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "not_found" and body["detail"]
    assert "<html" not in response.content.decode()


def test_an_unknown_api_path_answers_json_404_to_a_signed_in_caller(api, members):
    response = api(members[0]).get("/api/v1/cohorts/1/nothing-here/")
    assert response.status_code == 404 and response.data["code"] == "not_found"


def test_a_known_api_path_with_the_wrong_method_still_answers_json_405(api, members):
    response = api(members[0]).delete("/api/v1/cohorts")
    assert response.status_code == 405 and response.data["code"] == "method_not_allowed"


def test_unknown_site_pages_still_answer_the_html_404_page(client, wagtail_root):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Page not found" in response.content.decode()


def _request(path: str, user=None):
    request = RequestFactory().get(path)
    request.user = user if user is not None else AnonymousUser()
    request.COOKIES = {}
    return request


@pytest.mark.parametrize(
    ("status", "exception", "text"),
    [
        (404, Http404(), "Page not found"),
        (403, PermissionDenied(), "Not allowed"),
        (400, None, "This link does not work here"),
    ],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_error_pages_render_with_no_query(
    django_assert_num_queries, members, status, exception, text, signed_in
):
    handler = get_resolver().resolve_error_handler(status)
    request = _request("/cohorts/1/", members[0] if signed_in else None)
    with django_assert_num_queries(0):
        response = handler(request, exception or ValueError("x"))
    assert response.status_code == status
    html = response.content.decode()
    assert text in html and 'class="site-header"' in html
    assert ("Sign in" in html) is not signed_in


def test_the_500_page_renders_with_no_query(django_assert_num_queries):
    handler = get_resolver().resolve_error_handler(500)
    with django_assert_num_queries(0):
        response = handler(_request("/anything/"))
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


def test_an_error_page_gives_back_the_connection_its_thread_holds(members):
    """Django renders an error page (under ASGI) in a worker thread of its own. Should that
    thread hold a connection, the page hands it back instead of keeping it unchecked for the
    life of the process (after a PostgreSQL restart it answered 500 from then on)."""
    handler = get_resolver().resolve_error_handler(404)
    held_after: list[object] = []

    def in_the_error_thread() -> None:
        connection.ensure_connection()  # as an earlier page that queried would have
        handler(_request("/no/such/page/"), Http404())
        held_after.append(connection.connection)
        connection.close()

    thread = threading.Thread(target=in_the_error_thread)
    thread.start()
    thread.join()
    assert held_after == [None]
