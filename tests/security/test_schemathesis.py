"""Schemathesis against /api/v1/openapi.json, as a tutor and as a member: no 5xx, ever.

Bounded for CI: a few derandomized examples per operation (valid and invalid input), no
shrinking, each request in a rolled-back savepoint so one example's write never hides the next
example's path. Positive examples use the world's real ids in their paths, so generated bodies
reach the services rather than stopping at a 404.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest
import schemathesis
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode

from config.api import api
from mentoring.accounts.services.tokens import create_api_token
from tests.security import access_table
from tests.security.world import World, build_world

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 4
SEED_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _operations():
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    return [result.ok() for result in schema.get_all_operations()]


def _request(client: Client, case, token: str):
    query = urllib.parse.urlencode(case.query or {}, doseq=True)
    url = case.formatted_path + (f"?{query}" if query else "")
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = getattr(case, "body", None)
    if body is not None and type(body).__name__ != "NotSet":
        kwargs.update(data=json.dumps(body, default=str), content_type="application/json")
    sid = transaction.savepoint()
    try:
        return getattr(client, case.method.lower())(url, **kwargs)
    finally:
        transaction.savepoint_rollback(sid)


def _fill_known_ids(case, world: World) -> None:
    for name in list(case.path_parameters or {}):
        if name in access_table.PARAMS:
            case.path_parameters[name] = access_table.PARAMS[name](world)


@pytest.mark.parametrize("role", ["tutor", "member"])
def test_no_operation_answers_a_server_error(role, wagtail_root):
    world = build_world()
    token = create_api_token(user=world.user(role))
    client = Client()
    failures: list[str] = []
    statuses: list[int] = []

    def run(operation, mode) -> None:
        @SEED_SETTINGS
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            if mode is GenerationMode.POSITIVE:
                _fill_known_ids(case, world)
            response = _request(client, case, token)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} query={case.query!r} "
                    f"body={getattr(case, 'body', None)!r:.200} → {response.status_code}: "
                    f"{response.content[:300]!r}"
                )

        check()

    for operation in _operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run(operation, mode)

    # The run means something only if the token worked and real objects were reached.
    assert sum(200 <= status < 300 for status in statuses) >= 20, sorted(set(statuses))
    assert not failures, f"{len(failures)} server errors as {role}:\n" + "\n".join(failures[:20])
