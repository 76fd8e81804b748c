"""Signing out tells the browser to delete what Staffroom stored in it (``Clear-Site-Data``): on
a school's shared computer the next person finds no copy of the last one's shared solution."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_signing_out_clears_the_sites_storage(members):
    client = Client()
    client.force_login(members[0])
    page = client.get("/")
    assert page.status_code == 200 and "Clear-Site-Data" not in page
    signed_out = client.post("/accounts/logout/")
    assert signed_out.status_code == 302
    assert signed_out["Clear-Site-Data"] == '"storage"'
    assert "_auth_user_id" not in client.session


def test_a_visitor_who_was_not_signed_in_clears_nothing():
    response = Client().post("/accounts/logout/")
    assert "Clear-Site-Data" not in response


def test_asking_to_delete_the_account_signs_out_and_clears_too(members):
    client = Client()
    client.force_login(members[0])
    wrong = client.post("/accounts/profile/delete/", {"password": "nope", "confirm": "on"})
    assert wrong.status_code == 200 and "Clear-Site-Data" not in wrong
    done = client.post("/accounts/profile/delete/", {"password": TEST_PASSWORD, "confirm": "on"})
    assert done["Clear-Site-Data"] == '"storage"'
