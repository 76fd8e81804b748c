"""The members page (order, names, asking first, resend to all), the dashboard's invited
people, what old, used and foreign links say, limits on guessing links, the e-mail's lifetime,
and the progress page that updates without reloading itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from mentoring.cohorts.services import add_membership
from mentoring.core import ratelimit
from mentoring.invitations.services import tasks
from mentoring.invitations.services.invitations import (
    configure_join_link,
    invite_emails,
    revoke_invitation,
)
from mentoring.models import Invitation, JoinConfirmation, Membership, User
from tests.factories import UserFactory
from tests.invitations.helpers import link_in, mail_to, run_worker

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-secret-41"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _invite(cohort, tutor, *emails, on_commit, **names):
    with on_commit(execute=True):
        report = invite_emails(cohort=cohort, by=tutor, emails=list(emails))
    Invitation.objects.filter(email__in=emails).update(**names) if names else None
    run_worker()
    return report


# --- 1. The members page and the dashboard ----------------------------------------------------
def test_members_come_first_sorted_naturally_then_invitations_with_names(cohort, tutor):
    for name in ("nqt10", "nqt2", "nqt11", "nqt1"):
        add_membership(cohort=cohort, user=UserFactory(username=name), role="member")
    invite_emails(cohort=cohort, by=tutor, emails=["pat@uni.example", "anon@uni.example"])
    Invitation.objects.filter(email="pat@uni.example").update(first_name="Pat", last_name="Lee")
    page = _signed_in(tutor).get(f"/cohorts/{cohort.pk}/members/").content.decode()

    assert page.index('id="member-list"') < page.index('id="invitation-list"')
    members_table = page[page.index('id="member-list"') : page.index("</table>")]
    names = re.findall(r'data-label="Username">(nqt\d+)<', members_table)
    assert names == ["nqt1", "nqt2", "nqt10", "nqt11"]
    invitations = page[page.index('id="invitation-list"') :]
    row = re.search(r'<tr data-email="pat@uni.example">(.*?)</tr>', invitations, re.S).group(1)
    assert 'data-label="Name">Pat Lee<' in row


def test_names_pasted_with_addresses_are_kept_and_shown(cohort, tutor):
    client = _signed_in(tutor)
    client.post(
        f"/cohorts/{cohort.pk}/invite/",
        {
            "emails": '"Nia Person" <Nia@uni.example>; sam@uni.example tom@uni.example\n'
            "Ravi Rao <ravi@uni.example>"
        },
    )
    names = dict(Invitation.objects.filter(cohort=cohort).values_list("email", "display_name"))
    assert names == {
        "nia@uni.example": "Nia Person",
        "sam@uni.example": "",
        "tom@uni.example": "",
        "ravi@uni.example": "Ravi Rao",
    }
    page = client.get(f"/cohorts/{cohort.pk}/members/").content.decode()
    row = re.search(r'<tr data-email="ravi@uni.example">(.*?)</tr>', page, re.S).group(1)
    assert 'data-label="Name">Ravi Rao<' in row


def test_the_domain_help_is_linked_to_its_field(cohort, tutor):
    page = _signed_in(tutor).get(f"/cohorts/{cohort.pk}/members/").content.decode()
    field = re.search(r'<input[^>]*id="id_allowed_domains"[^>]*>', page).group(0)
    assert 'aria-describedby="id_allowed_domains_helptext"' in field
    assert 'id="id_allowed_domains_helptext"' in page


def test_revoke_asks_first_on_a_page_of_its_own(cohort, tutor):
    invite_emails(cohort=cohort, by=tutor, emails=["gone@uni.example"])
    invitation = Invitation.objects.get(email="gone@uni.example")
    client = _signed_in(tutor)
    path = f"/cohorts/{cohort.pk}/invitations/{invitation.pk}/"
    asked = client.post(path, {"action": "revoke"})
    assert asked.status_code == 200
    text = asked.content.decode()
    assert "Revoke the invitation to gone@uni.example?" in text
    assert 'name="confirm"' in text and "stops working" in text
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    done = client.post(path, {"action": "revoke", "confirm": "1"})
    assert done.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_resend_to_all_pending_asks_first_then_sends_new_links(
    cohort, tutor, django_capture_on_commit_callbacks
):
    emails = ["a@uni.example", "b@uni.example", "c@uni.example"]
    _invite(cohort, tutor, *emails, on_commit=django_capture_on_commit_callbacks)
    old = {e: link_in(mail_to(e)[0], "invitations") for e in emails}
    revoke_invitation(invitation=Invitation.objects.get(email="c@uni.example"), by=tutor)
    client = _signed_in(tutor)
    assert "Resend to all pending" in client.get(f"/cohorts/{cohort.pk}/members/").content.decode()

    path = f"/cohorts/{cohort.pk}/invitations/resend-pending/"
    asked = client.post(path)
    assert asked.status_code == 200 and "Resend 2 pending invitations?" in asked.content.decode()
    assert len(mail_to("a@uni.example")) == 1  # nothing happened yet
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path, {"confirm": "1"})
    assert done.status_code == 302 and "/invitations/batches/" in done["Location"]
    run_worker()
    for email in ("a@uni.example", "b@uni.example"):
        new = link_in(mail_to(email)[-1], "invitations")
        assert new != old[email]
        assert Client().get(old[email]).status_code == 410
        assert Client().get(new).status_code == 200
    assert len(mail_to("c@uni.example")) == 1  # revoked: left alone
    assert b"withdrawn" in Client().get(old["c@uni.example"]).content


def test_dashboard_shows_invited_people_apart_from_members(cohort, tutor):
    client = _signed_in(tutor)
    before = client.get(f"/cohorts/{cohort.pk}/dashboard/").content.decode()
    heading = re.search(r'<h2 id="counts-heading">([^<]*)</h2>', before).group(1)
    invite_emails(cohort=cohort, by=tutor, emails=["nia@uni.example", "sam@uni.example"])
    Invitation.objects.filter(email="nia@uni.example").update(display_name="Nia Person")
    page = client.get(f"/cohorts/{cohort.pk}/dashboard/").content.decode()
    assert "2 invited, not yet joined" in page
    assert "Nia Person (nia@uni.example)" in page and "sam@uni.example" in page
    assert re.search(r'<h2 id="counts-heading">([^<]*)</h2>', page).group(1) == heading


# --- 2. Old and used links ------------------------------------------------------------------
def test_a_used_invitation_takes_its_member_to_the_cohort_and_tells_others(
    cohort, tutor, outsider, django_capture_on_commit_callbacks
):
    _invite(cohort, tutor, "new@uni.example", on_commit=django_capture_on_commit_callbacks)
    path = link_in(mail_to("new@uni.example")[0], "invitations")
    joiner = Client()
    joiner.post(path, {"display_name": "New", "password": PASSWORD, "password_again": PASSWORD})
    again = joiner.get(path)
    assert again.status_code == 302 and again["Location"] == f"/cohorts/{cohort.pk}/"
    other = _signed_in(outsider).get(path).content.decode()
    assert "used, by another account" in other and "Sign in" not in other.split("<main")[-1]


def test_a_reopened_join_confirmation_is_refused_before_any_form(
    cohort, tutor, django_capture_on_commit_callbacks
):
    link = configure_join_link(cohort=cohort, by=tutor, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(f"/join/{link.token}/", {"email": "jo@uni.example"})
    run_worker()
    path = link_in(mail_to("jo@uni.example")[0], "join/confirm")
    first = Client().post(
        path, {"display_name": "Jo", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert first.status_code == 302
    again = Client().get(path)
    assert again.status_code == 410
    text = again.content.decode()
    assert "already been used" in text and 'name="password"' not in text
    replay = Client().post(
        path, {"display_name": "Jo 2", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert replay.status_code == 410 and User.objects.filter(email="jo@uni.example").count() == 1


# --- 4. An invitation belongs to its address ------------------------------------------------
def test_another_signed_in_account_cannot_take_an_invitation(
    cohort, tutor, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_emails(cohort=cohort, by=tutor, emails=["co.tutor@uni.example"], role="tutor")
    run_worker()
    path = link_in(mail_to("co.tutor@uni.example")[0], "invitations")
    EmailAddress.objects.create(user=outsider, email=outsider.email, verified=True, primary=True)
    # An unverified copy of the address is not proof either.
    EmailAddress.objects.create(user=outsider, email="co.tutor@uni.example", verified=False)
    client = _signed_in(outsider)
    page = client.get(path)
    assert page.status_code == 403
    text = page.content.decode()
    assert "sent to another address" in text
    form = re.search(r'<form method="post" action="/accounts/logout/">(.*?)</form>', text, re.S)
    assert form and f'name="next" value="{path}"' in form.group(1)
    taken = client.post(path)
    assert taken.status_code == 403
    assert not Membership.objects.filter(cohort=cohort, user=outsider).exists()
    assert Invitation.objects.get(email="co.tutor@uni.example").accepted_at is None
    signed_out = client.post("/accounts/logout/", {"next": path})
    assert signed_out.status_code == 302 and signed_out["Location"] == path
    assert b"Choose the name" in client.get(path).content


def test_the_invited_address_signed_in_accepts_with_one_click(
    cohort, tutor, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_emails(cohort=cohort, by=tutor, emails=["second@uni.example"])
    run_worker()
    path = link_in(mail_to("second@uni.example")[0], "invitations")
    EmailAddress.objects.create(user=outsider, email="Second@uni.example", verified=True)
    response = _signed_in(outsider).post(path)
    assert response.status_code == 302
    assert Membership.objects.get(cohort=cohort, user=outsider).role == "member"


# --- 5. Guessing links ------------------------------------------------------------------------
@pytest.fixture
def link_limit(settings, monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: 6_000_030.0)  # 30 s into a 10-minute window
    settings.RATE_LIMITS = {"link": ["3/600"]}


def test_unknown_tokens_are_limited_per_client_address(
    link_limit, cohort, tutor, django_capture_on_commit_callbacks
):
    _invite(cohort, tutor, "mine@uni.example", on_commit=django_capture_on_commit_callbacks)
    good = link_in(mail_to("mine@uni.example")[0], "invitations")
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(10):  # opening a real link is never a failure
        assert client.get(good).status_code == 200
    guesses = ["/invitations/1.deadbeef/", "/join/1.deadbeef/", "/join/confirm/1.deadbeef/"]
    for path in guesses:
        assert client.get(path).status_code == 404
    refused = client.get("/invitations/2.deadbeef/")
    assert refused.status_code == 429 and refused["Retry-After"] == "570"
    assert b"Too many attempts" in refused.content
    assert client.get(good).status_code == 429  # this address waits, whatever it opens
    assert Client(REMOTE_ADDR="198.51.100.9").get(good).status_code == 200


# --- 6. The e-mail's lifetime -----------------------------------------------------------------
def test_the_invitation_email_says_the_lifetime_it_was_given(cohort, tutor):
    invite_emails(cohort=cohort, by=tutor, emails=["days@uni.example"])
    invitation = Invitation.objects.select_related("cohort").get(email="days@uni.example")
    made = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    invitation.created_at, invitation.expires_at = made, made + timedelta(days=14)
    body = tasks.invitation_message(invitation, now=made + timedelta(seconds=5)).body
    assert "for 14 days, until 15 March 2025" in body
    assert "13 days" not in body


# --- 7. The progress page -----------------------------------------------------------------
def test_the_progress_page_does_not_reload_itself(
    cohort, tutor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = invite_emails(cohort=cohort, by=tutor, emails=["p1@uni.example"])
    client = _signed_in(tutor)
    path = f"/cohorts/{cohort.pk}/invitations/batches/{report.batch.pk}/"
    waiting = client.get(path).content.decode()
    assert 'http-equiv="refresh"' not in waiting
    assert "Sent 0 of 1" in waiting and f'<a href="{path}">Refresh</a>' in waiting
    assert "mentoring/batch.js" in waiting and "<script>" not in waiting
    run_worker()
    done = client.get(path).content.decode()
    assert "All 1 e-mail sent" in done and "batch.js" not in done


def test_join_confirmation_rows_expire_after_two_days(cohort, tutor):
    link = configure_join_link(cohort=cohort, by=tutor, enabled=True)
    confirmation = JoinConfirmation.objects.create(
        link=link,
        email="late@uni.example",
        link_nonce=link.nonce,
        created_at=timezone.now() - timedelta(days=2, seconds=1),
    )
    response = Client().get(f"/join/confirm/{confirmation.token}/")
    assert response.status_code == 410 and b"expired" in response.content
