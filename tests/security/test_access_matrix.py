"""Every route × every kind of caller answers what ``access_table`` says.

The routes come from Django's URL resolver and the API's OpenAPI schema, so a route added
without an entry in ``access_table.py`` fails ``test_every_route_has_an_entry``. Each cell runs
inside a savepoint that is rolled back, so one caller's write never changes the next one's answer.
"""

from __future__ import annotations

import copy
import json
import os

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from config.api import api
from tests.security import access_table
from tests.security.world import ROLES, World, build_world

pytestmark = pytest.mark.django_db
API_PREFIX = "/api/v1"


def django_routes(patterns=None, prefix: str = "") -> list[str]:
    """Every URL pattern outside the skipped vendor prefixes, as its full route string."""
    routes: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if not access_table.skipped(route) or access_table.has_ours_under(route):
                routes.extend(django_routes(entry.url_patterns, route))
        elif isinstance(entry, URLPattern) and not access_table.skipped(route):
            routes.append("/" + route)
    return routes


def api_operations() -> list[str]:
    schema = api.get_openapi_schema(path_prefix=API_PREFIX)
    return [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
    ]


def test_every_route_has_an_entry():
    covered_routes = {key.split(" ", 1)[1] for key in access_table.ACCESS}
    missing = [route for route in django_routes() if route not in covered_routes]
    missing += [op for op in api_operations() if op not in access_table.ACCESS]
    assert not missing, (
        "These routes have no entry in tests/security/access_table.py; add one saying who may "
        "call them and what everyone else gets:\n  " + "\n  ".join(missing)
    )


def test_every_entry_is_a_route():
    routes = set(django_routes()) | {op.split(" ", 1)[1] for op in api_operations()}
    stale = [key for key in access_table.ACCESS if key.split(" ", 1)[1] not in routes]
    assert not stale, "Entries for routes that no longer exist: " + ", ".join(stale)


def signed_in_clients(world: World) -> dict[str, Client]:
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if world.user(role) is not None:
            clients[role].force_login(world.user(role))
    return clients


def answers(key: str, world: World) -> dict[str, int]:
    """The status each caller gets, each request rolled back afterwards."""
    method, route = key.split(" ", 1)
    entry = access_table.ACCESS.get(key) or access_table.Entry({})
    url = access_table.fill(route, world)
    body = entry.body(world) if callable(entry.body) else entry.body
    kwargs = {}
    if body is not None:
        kwargs = (
            {"data": json.dumps(body), "content_type": "application/json"}
            if route.startswith(API_PREFIX)
            else {"data": body}
        )
    actual: dict[str, int] = {}
    for role in ROLES:
        client = world.extra["clients"][role]
        cookies = copy.deepcopy(client.cookies)  # signing out must not sign out the next test
        sid = transaction.savepoint()
        try:
            actual[role] = getattr(client, method.lower())(url, **kwargs).status_code
        finally:
            transaction.savepoint_rollback(sid)
            client.cookies = cookies
    return actual


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end; each test
    runs in a savepoint within it (building the world per route took minutes)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
            access_table.world_attachment(built)  # in the world's transaction, not a test's
            # Signed in here, so the sessions outlive each test's own rollback.
            built.extra["clients"] = signed_in_clients(built)
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            if "attachment" in built.extra:  # the rollback took its row, not its file
                built.extra["attachment"].file.delete(save=False)


@pytest.mark.parametrize("key", sorted(access_table.ACCESS))
def test_access(key, world):
    expected = access_table.ACCESS[key].expected
    actual = answers(key, world)
    wrong = {
        role: f"expected {expected[role]}, got {actual[role]}"
        for role in ROLES
        if actual[role] not in access_table.as_set(expected[role])
    }
    assert not wrong, f"{key}: {wrong}"


@pytest.mark.skipif(not os.environ.get("ACCESS_DISCOVER"), reason="ACCESS_DISCOVER=1 prints")
def test_print_actual_answers(world):
    """``ACCESS_DISCOVER=1 pytest -s -k print_actual``: what every route answers now."""
    keys = [f"GET {route}" for route in django_routes()] + api_operations()
    for key in keys:
        if key.startswith(("GET", "DELETE")) or key in access_table.ACCESS:
            print(key, answers(key, world))
        else:
            print(key, "(needs a body)")
