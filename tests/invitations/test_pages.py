"""The tutor's pages: roster upload with its dry run and commit, the batch progress page, and
inviting a pasted list from the members page."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mentoring.models import Invitation
from tests.invitations.helpers import csv_bytes, run_worker

pytestmark = pytest.mark.django_db


def _tutor_client(tutor) -> Client:
    client = Client()
    client.force_login(tutor)
    return client


def _upload(client, cohort, body: bytes):
    return client.post(
        f"/cohorts/{cohort.pk}/roster/",
        {"roster": SimpleUploadedFile("roster.csv", body, "text/csv"), "preview": "1"},
    )


def test_a_file_with_errors_shows_its_lines_and_offers_no_import(cohort, tutor):
    client = _tutor_client(tutor)
    page = _upload(client, cohort, csv_bytes("email", "a@uni.example", "A@UNI.EXAMPLE"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Duplicate of line 2" in text and "1 error" in text
    assert 'name="commit"' not in text
    assert not Invitation.objects.exists()


def test_dry_run_then_commit_then_progress(cohort, tutor, django_capture_on_commit_callbacks):
    client = _tutor_client(tutor)
    page = _upload(client, cohort, csv_bytes("email", "a@uni.example", "b@uni.example"))
    content = re.search(r'name="content" value="([^"]+)"', page.content.decode()).group(1)
    assert not Invitation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cohorts/{cohort.pk}/roster/", {"content": content, "commit": "1"})
    assert response.status_code == 302 and "/invitations/batches/" in response["Location"]
    assert Invitation.objects.filter(cohort=cohort).count() == 2
    progress = client.get(response["Location"]).content.decode()
    assert "Sent 0 of 2" in progress and "batch.js" in progress
    run_worker()
    progress = client.get(response["Location"]).content.decode()
    assert "All 2 e-mails sent" in progress and "batch.js" not in progress


def test_pasted_list_from_the_members_page(cohort, tutor, members):
    client = _tutor_client(tutor)
    client.post(
        f"/cohorts/{cohort.pk}/invite/",
        {"emails": f"x@uni.example; {members[0].email}\ny@uni.example"},
    )
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "x@uni.example",
        "y@uni.example",
    }
    page = client.get(f"/cohorts/{cohort.pk}/members/").content.decode()
    assert "2 pending" in page
    bad = client.post(
        f"/cohorts/{cohort.pk}/invite/", {"emails": "z@uni.example, broken"}, follow=True
    )
    assert "Nobody was invited" in bad.content.decode()
    assert not Invitation.objects.filter(email="z@uni.example").exists()


def test_members_and_strangers_cannot_open_the_roster_page(cohort, members, outsider):
    for user in (members[0], outsider):
        client = Client()
        client.force_login(user)
        assert client.get(f"/cohorts/{cohort.pk}/roster/").status_code == 404
