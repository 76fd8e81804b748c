"""Bringing a cohort in, in Chromium: a tutor uploads a roster CSV, reads the dry run and
commits; the worker sends the invitations; the invitee opens the link from the e-mail, sets a
name and password, lands in the cohort and posts; the tutor sees the invitation accepted."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from mentoring.models import Invitation, Post
from tests.conftest import run_in_thread
from tests.factories import UserFactory, make_cohort
from tests.invitations.helpers import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROSTER = (
    "\ufeffemail;first_name;last_name;role\n"
    "Priya.Shah@uni.example;Priya;Shah;member\n"
    "member_b@example.test;;;\n"
).encode()


def _run_worker() -> None:
    # The worker's own command wants the main thread (signals), where Playwright's loop runs.
    run_in_thread(run_worker)


def test_roster_to_first_post(browser_as):
    tutor = UserFactory(username="tutor_onb", display_name="Tomi Tutor")
    already = UserFactory(username="member_b", email="member_b@example.test")
    cohort = make_cohort(name="Spring induction", tutors=[tutor], members=[already])

    # --- The tutor checks the file, reads what will happen, and imports it.
    page = browser_as(tutor)
    page.goto(f"/cohorts/{cohort.pk}/members/")
    page.get_by_role("link", name="Import a roster (CSV)").click()
    page.get_by_label("Roster file (CSV)").set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": ROSTER}
    )
    page.get_by_role("button", name="Check the file").click()
    report = page.locator("#roster-report")
    expect(report.locator("tr", has_text="priya.shah@uni.example")).to_contain_text("Invite")
    expect(report.locator("tr", has_text="member_b@example.test")).to_contain_text(
        "Already a member"
    )
    assert not Invitation.objects.exists()  # the dry run wrote nothing
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_role("heading", name="Sending invitations")).to_be_visible()

    # --- The background worker sends the e-mail; the progress page shows it done.
    assert mail.outbox == []
    _run_worker()
    # The progress page refreshes itself until the batch is done.
    expect(page.locator("#batch-progress")).to_contain_text("All 1 e-mail sent", timeout=20_000)
    [message] = [m for m in mail.outbox if m.to == ["priya.shah@uni.example"]]
    link = re.search(r"(/invitations/\S+)", message.body).group(1)

    # --- The invitee follows the link, chooses a name and password, and lands in the cohort.
    invitee = browser_as()
    invitee.goto(link)
    invitee.get_by_label("Your name").fill("Priya Shah")
    invitee.get_by_label("Choose a password").fill("chalk-and-talk-2026")
    invitee.get_by_label("Password again").fill("chalk-and-talk-2026")
    invitee.get_by_role("button", name="Join Spring induction").click()
    expect(invitee.get_by_role("heading", name="Spring induction")).to_be_visible()
    invitee.get_by_role("link", name="General discussion").click()
    invitee.get_by_label("Title").fill("Hello from Priya")
    invitee.get_by_label("Your first post").fill("Looking forward to working with you all.")
    invitee.get_by_role("button", name="Start thread").click()
    expect(invitee.get_by_text("Looking forward to working with you all.")).to_be_visible()
    assert Post.objects.filter(author__email="priya.shah@uni.example").exists()

    # --- The tutor sees the invitation accepted.
    page.goto(f"/cohorts/{cohort.pk}/members/")
    row = page.locator("#invitation-list tr", has_text="priya.shah@uni.example")
    expect(row.locator(".invitation-status")).to_have_text("Accepted")
    expect(page.locator("#invitation-counts")).to_contain_text("1 accepted")
