"""A session signed in through an identity provider keeps its sockets under a two-factor
policy that leaves the second factor to the provider (and not when it does not)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from mentoring.accounts.selectors.policy import AUTHENTICATION_METHODS_SESSION_KEY
from mentoring.models import SignInPolicy
from tests.conftest import ws_first_json

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _sso_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "socialaccount", "provider": "school", "uid": "x", "at": 0}
    ]
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


async def _first(ws_connect, path, cookie):
    _, connected, first = await ws_connect(path, cookie=cookie)
    return connected, ws_first_json(first)


@pytest.mark.parametrize("counts", [True, False])
async def test_an_sso_session_keeps_its_sockets_when_sso_counts_as_two_factor(
    ws_connect, cohort, tutor, counts
):
    await database_sync_to_async(
        lambda: SignInPolicy(
            require_two_factor_for_staff_and_tutors=True, sso_counts_as_two_factor=counts
        ).save()
    )()
    cookie = await database_sync_to_async(_sso_cookie)(tutor)
    connected, message = await _first(ws_connect, f"/ws/cohorts/{cohort.pk}/dashboard/", cookie)
    assert (connected and message is not None and message.get("type") == "ready") is counts
