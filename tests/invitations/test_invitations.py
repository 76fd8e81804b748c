"""Invitations: invite by e-mail, accept once (name and password, lands in the cohort), expiry,
revocation, resend, the members page, and removing a member through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import timezone

from mentoring.boards.services.posts import create_thread
from mentoring.models import Board, Invitation, Membership, Post, User
from tests.factories import make_cohort
from tests.invitations.helpers import link_in, mail_to, run_worker

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-secret-41"


def _invite(client, cohort, *emails, on_commit):
    with on_commit(execute=True):
        response = client.post(f"/api/v1/cohorts/{cohort.pk}/invitations", {"emails": list(emails)})
    run_worker()
    return response


def test_invite_then_accept_sets_name_and_password_and_lands_in_the_cohort(
    api, cohort, tutor, members, django_capture_on_commit_callbacks
):
    response = _invite(
        api(tutor),
        cohort,
        "New.Person@uni.example",
        members[0].email,
        on_commit=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 201, response.content
    assert [r["outcome"] for r in response.json()["rows"]] == ["invite", "already_member"]
    [message] = mail_to("new.person@uni.example")
    path = link_in(message, "invitations")

    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and b"Choose the name" in page.content
    response = client.post(
        path,
        {"display_name": "Nia Person", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == f"/cohorts/{cohort.pk}/"
    user = User.objects.get(email="new.person@uni.example")
    assert user.display_name == "Nia Person" and user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    assert Membership.objects.get(cohort=cohort, user=user).role == "member"
    assert client.get(f"/cohorts/{cohort.pk}/").status_code == 200  # signed in, a member

    # One time only.
    again = Client().get(path)
    assert b"already been used" in again.content
    listed = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/invitations").json()
    assert [(i["email"], i["status"]) for i in listed] == [("new.person@uni.example", "accepted")]
    assert listed[0]["sent_at"] is not None


def test_an_account_outside_the_tutors_cohorts_is_invited_and_joins_only_by_accepting(
    api, cohort, tutor, outsider, django_capture_on_commit_callbacks
):
    """Inviting an address must not tell the tutor it has an account, nor enrol it unasked."""
    response = _invite(
        api(tutor), cohort, outsider.email.upper(), on_commit=django_capture_on_commit_callbacks
    )
    [row] = response.json()["rows"]
    assert (row["outcome"], row["detail"]) == ("invite", "Will be invited as member.")
    assert not Membership.objects.filter(cohort=cohort, user=outsider).exists()
    [message] = mail_to(outsider.email)
    path = link_in(message, "invitations")
    # They sign in with their own account and accept: now they are in, with one account.
    client = Client()
    client.force_login(outsider)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(cohort=cohort, user=outsider).role == "member"
    assert User.objects.filter(email__iexact=outsider.email).count() == 1


def test_someone_from_the_tutors_other_cohort_is_enrolled_and_told(
    api, cohort, tutor, outsider, django_capture_on_commit_callbacks
):
    make_cohort(name="Last year", tutors=[tutor], members=[outsider])
    response = _invite(
        api(tutor), cohort, outsider.email.upper(), on_commit=django_capture_on_commit_callbacks
    )
    assert response.json()["rows"][0]["outcome"] == "enrol"
    assert Membership.objects.filter(cohort=cohort, user=outsider).exists()
    assert User.objects.filter(email__iexact=outsider.email).count() == 1
    [message] = mail_to(outsider.email)
    assert "added you" in message.body and "/invitations/" not in message.body


def test_expired_invitation_cannot_be_used_and_shows_as_expired(
    api, cohort, tutor, django_capture_on_commit_callbacks
):
    _invite(api(tutor), cohort, "late@uni.example", on_commit=django_capture_on_commit_callbacks)
    path = link_in(mail_to("late@uni.example")[0], "invitations")
    invitation = Invitation.objects.get(email="late@uni.example")
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    client = Client()
    assert b"has expired" in client.get(path).content
    client.post(path, {"display_name": "Late", "password": PASSWORD, "password_again": PASSWORD})
    assert not User.objects.filter(email="late@uni.example").exists()
    listed = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/invitations").json()
    assert listed[0]["status"] == "expired"


def test_invitation_lifetime_is_a_cohort_setting(
    api, cohort, tutor, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(tutor)
    cohort.invitation_days = 3
    cohort.save()
    _invite(api(tutor), cohort, "soon@uni.example", on_commit=django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="soon@uni.example")
    assert invitation.expires_at - invitation.created_at == timedelta(days=3)


def test_revoked_invitation_link_stops_working(
    api, cohort, tutor, members, django_capture_on_commit_callbacks
):
    _invite(api(tutor), cohort, "gone@uni.example", on_commit=django_capture_on_commit_callbacks)
    path = link_in(mail_to("gone@uni.example")[0], "invitations")
    invitation = Invitation.objects.get(email="gone@uni.example")
    assert api(members[0]).delete(f"/api/v1/invitations/{invitation.pk}").status_code == 404
    assert api(tutor).delete(f"/api/v1/invitations/{invitation.pk}").status_code == 204
    client = Client()
    assert b"withdrawn" in client.get(path).content
    client.post(path, {"display_name": "Gone", "password": PASSWORD, "password_again": PASSWORD})
    assert not User.objects.filter(email="gone@uni.example").exists()
    listed = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/invitations").json()
    assert listed[0]["status"] == "revoked"


def test_resend_from_the_members_page_sends_a_new_link_and_the_old_one_stops(
    api, cohort, tutor, django_capture_on_commit_callbacks
):
    _invite(api(tutor), cohort, "again@uni.example", on_commit=django_capture_on_commit_callbacks)
    old = link_in(mail_to("again@uni.example")[0], "invitations")
    invitation = Invitation.objects.get(email="again@uni.example")
    page = Client()
    page.force_login(tutor)
    members_page = page.get(f"/cohorts/{cohort.pk}/members/")
    assert b"again@uni.example" in members_page.content and b"Resend" in members_page.content
    with django_capture_on_commit_callbacks(execute=True):
        page.post(f"/cohorts/{cohort.pk}/invitations/{invitation.pk}/", {"action": "resend"})
    run_worker()
    new = link_in(mail_to("again@uni.example")[-1], "invitations")
    assert new != old
    gone = Client().get(old)
    assert gone.status_code == 410
    assert b"replaced by a newer one sent to your address" in gone.content
    assert b"<nav" in gone.content  # the site's layout, not a bare 404
    assert Client().get(new).status_code == 200


def test_invitations_list_is_paged_with_a_link_header(api, cohort, tutor):
    from mentoring.invitations.services.invitations import invite_emails

    invite_emails(cohort=cohort, by=tutor, emails=[f"p{n}@uni.example" for n in range(5)])
    client = api(tutor)
    first = client.get(f"/api/v1/cohorts/{cohort.pk}/invitations?limit=3")
    assert len(first.json()) == 3 and 'rel="next"' in first["Link"]
    next_url = first["Link"].split(">")[0].lstrip("<")
    second = client.get(next_url.replace("http://testserver", ""))
    assert len(second.json()) == 2 and "Link" not in second
    emails = {i["email"] for i in first.json() + second.json()}
    assert len(emails) == 5


def test_bad_invitation_input_answers_400_and_invites_nobody(api, cohort, tutor, members):
    client = api(tutor)
    response = client.post(
        f"/api/v1/cohorts/{cohort.pk}/invitations", {"emails": ["ok@uni.example", "nope"]}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "roster_invalid" and body["rows"][1]["outcome"] == "error"
    assert not Invitation.objects.exists()
    assert (
        client.post(f"/api/v1/cohorts/{cohort.pk}/invitations", {"emails": []}).status_code == 400
    )
    assert (
        api(members[0])
        .post(f"/api/v1/cohorts/{cohort.pk}/invitations", {"emails": ["a@uni.example"]})
        .status_code
        == 403
    )
    assert mail.outbox == []


def test_tutor_removes_a_member_through_the_api_and_their_posts_stay(
    api, cohort, tutor, members, outsider
):
    board = Board.objects.get(cohort=cohort, kind="general")
    thread = create_thread(board=board, author=members[0], title="Hello", body="My first post")
    path = f"/api/v1/cohorts/{cohort.pk}/members/{members[0].pk}"
    assert api(members[1]).delete(path).status_code == 403
    assert api(outsider).delete(path).status_code == 404
    response = api(tutor).delete(path)
    assert response.status_code == 204
    assert not Membership.objects.filter(cohort=cohort, user=members[0]).exists()
    assert Post.objects.filter(thread=thread, author=members[0]).exists()
    assert api(members[0]).get(f"/api/v1/cohorts/{cohort.pk}/boards").status_code == 404
    assert api(tutor).delete(path).status_code == 404
    own = api(tutor).delete(f"/api/v1/cohorts/{cohort.pk}/members/{tutor.pk}")
    assert own.status_code == 400
