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
    # batch.js swaps in the sentence and bar as the page renders them, nothing worked out there.
    fragment = client.get(response["Location"] + "progress/").content.decode()
    text, bar = (line for line in fragment.split("\n") if line.strip())
    assert text.startswith('<span id="batch-progress-text" data-done="false">Sent 0 of 2')
    assert bar.startswith('<progress id="batch-progress-bar" max="2" value="0"')
    assert text in progress and bar in progress
    run_worker()
    progress = client.get(response["Location"]).content.decode()
    assert "All 2 e-mails sent" in progress and "batch.js" not in progress
    fragment = client.get(response["Location"] + "progress/").content.decode()
    assert '<span id="batch-progress-text" data-done="true">All 2 e-mails sent.</span>' in fragment


def test_pasted_list_from_the_members_page(cohort, tutor, members):
    client = _tutor_client(tutor)
    client.post(
        f"/cohorts/{cohort.pk}/invite/",
        {"emails": f"x@uni.example; {members[0].email}\ny@uni.example"},
    )
    assert set(Invitation.objects.filter(cohort=cohort).values_list("email", flat=True)) == {
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


def test_the_dry_run_gathers_its_errors_at_the_top_and_folds_the_full_list(cohort, tutor):
    lines = ["Email address,First name,Groups"]
    lines += [f"p{n}@uni.example,P{n},G" for n in range(40)]
    lines[8] = "not-an-address,Bad,G"  # line 9
    lines[30] = "p3@uni.example,Again,G"  # line 31
    page = _upload(_tutor_client(tutor), cohort, csv_bytes(*lines)).content.decode()
    counts = page.index('id="roster-counts"')
    errors = page.index('id="roster-errors"')
    every_line = page.index('<details id="roster-lines"')
    assert counts < errors < every_line  # summary, then the errors, then every line
    assert "38 to invite" in page and "2 errors" in page
    gathered = page[errors:every_line]
    assert re.findall(r'<a href="#line-(\d+)">Line \1</a>', gathered) == ["9", "31"]
    assert "Not a valid e-mail address: not-an-address." in gathered
    assert "Duplicate of line 5 (p3@uni.example)." in gathered
    assert 'id="line-9" class="outcome-error"' in page
    assert '<details id="roster-lines">' in page  # 40 lines: folded
    assert "Ignored column: Groups." in page
    assert "e-mail from “Email address”" in page


def test_a_short_clean_dry_run_shows_every_line_open(cohort, tutor):
    page = _upload(_tutor_client(tutor), cohort, csv_bytes("email", "a@uni.example")).content
    text = page.decode()
    assert '<details id="roster-lines" open>' in text and 'id="roster-errors"' not in text
    assert ">Invite<" in text


def test_the_roster_page_says_when_checks_come_too_fast(cohort, tutor, settings, monkeypatch):
    from mentoring.core import ratelimit

    monkeypatch.setattr(ratelimit, "clock", lambda: 7_200_030.0)
    settings.RATE_LIMITS = {"roster": ["1/600"]}
    ratelimit.shared_cache.clear()
    client = _tutor_client(tutor)
    assert _upload(client, cohort, csv_bytes("email", "a@uni.example")).status_code == 200
    refused = _upload(client, cohort, csv_bytes("email", "a@uni.example"))
    assert refused.status_code == 429 and refused["Retry-After"] == "570"
    assert "faster than Staffroom allows" in refused.content.decode()
    ratelimit.shared_cache.clear()
