"""Join links: on, off and rotated; limited to e-mail domains; needing a tutor's approval.
Joiners prove their address by a link e-mailed to it, then create a verified account."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from mentoring.invitations.services.invitations import configure_join_link, rotate_join_link
from mentoring.models import JoinRequest, Membership, User
from tests.invitations.helpers import link_in, mail_to, run_worker

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-secret-41"


def _ask(client, link, email, on_commit):
    with on_commit(execute=True):
        response = client.post(f"/join/{link.token}/", {"email": email})
    run_worker()
    return response


def _finish(client, path, name="Joiner"):
    return client.post(
        path, {"display_name": name, "password": PASSWORD, "password_again": PASSWORD}
    )


def test_join_link_limited_to_a_domain(cohort, tutor, django_capture_on_commit_callbacks):
    link = configure_join_link(
        cohort=cohort, by=tutor, enabled=True, allowed_domains="@Uni.Example.ac.uk"
    )
    assert link.allowed_domains == ["uni.example.ac.uk"]
    client = Client()
    refused = _ask(client, link, "someone@gmail.example", django_capture_on_commit_callbacks)
    assert b"open to @uni.example.ac.uk addresses only" in refused.content
    assert mail_to("someone@gmail.example") == []

    sent = _ask(client, link, "Jo@uni.example.ac.uk", django_capture_on_commit_callbacks)
    assert b"We have sent a link" in sent.content
    path = link_in(mail_to("jo@uni.example.ac.uk")[0], "join/confirm")
    response = _finish(client, path, "Jo Joiner")
    assert response.status_code == 302 and response["Location"] == f"/cohorts/{cohort.pk}/"
    user = User.objects.get(email="jo@uni.example.ac.uk")
    assert EmailAddress.objects.get(user=user).verified
    assert Membership.objects.get(cohort=cohort, user=user).role == "member"


def test_join_link_with_approval_waits_for_a_tutor(
    cohort, tutor, django_capture_on_commit_callbacks
):
    link = configure_join_link(cohort=cohort, by=tutor, enabled=True, requires_approval=True)
    client = Client()
    _ask(client, link, "wait@uni.example", django_capture_on_commit_callbacks)
    response = _finish(client, link_in(mail_to("wait@uni.example")[0], "join/confirm"))
    assert b"approves each person" in response.content
    user = User.objects.get(email="wait@uni.example")
    assert not Membership.objects.filter(cohort=cohort, user=user).exists()
    assert client.get(f"/cohorts/{cohort.pk}/").status_code == 404

    tutor_client = Client()
    tutor_client.force_login(tutor)
    page = tutor_client.get(f"/cohorts/{cohort.pk}/members/")
    assert b"Waiting for approval" in page.content and b"wait@uni.example" in page.content
    request = JoinRequest.objects.get(cohort=cohort, user=user)
    tutor_client.post(f"/cohorts/{cohort.pk}/join-requests/{request.pk}/", {"decision": "approve"})
    assert Membership.objects.filter(cohort=cohort, user=user).exists()
    assert client.get(f"/cohorts/{cohort.pk}/").status_code == 200


def test_a_signed_in_person_joins_with_one_click(cohort, tutor, outsider):
    link = configure_join_link(cohort=cohort, by=tutor, enabled=True)
    client = Client()
    client.force_login(outsider)
    response = client.post(f"/join/{link.token}/")
    assert response.status_code == 302
    assert Membership.objects.filter(cohort=cohort, user=outsider).exists()


def test_rotated_or_disabled_link_stops_working(cohort, tutor, outsider):
    link = configure_join_link(cohort=cohort, by=tutor, enabled=True)
    old_token = link.token
    rotated = rotate_join_link(cohort=cohort, by=tutor)
    gone = Client().get(f"/join/{old_token}/")
    assert gone.status_code == 410
    assert b"join link has been changed; ask your tutor for the new one" in gone.content
    assert Client().get(f"/join/{rotated.token}/").status_code == 200
    configure_join_link(cohort=cohort, by=tutor, enabled=False)
    off = Client().get(f"/join/{rotated.token}/")
    assert off.status_code == 404 and b"turned off" in off.content
    assert Client().get("/join/not-a-token/").status_code == 404


def test_tutor_sets_the_join_link_on_the_members_page(cohort, tutor, members):
    client = Client()
    client.force_login(tutor)
    client.post(
        f"/cohorts/{cohort.pk}/join-link/",
        {"enabled": "on", "allowed_domains": "uni.example", "requires_approval": "on"},
    )
    page = client.get(f"/cohorts/{cohort.pk}/members/").content.decode()
    assert 'id="join-url"' in page and "/join/" in page
    bad = client.post(
        f"/cohorts/{cohort.pk}/join-link/", {"enabled": "on", "allowed_domains": "not a domain!"}
    )
    assert bad.status_code == 302
    member = Client()
    member.force_login(members[0])
    assert member.post(f"/cohorts/{cohort.pk}/join-link/", {"enabled": "on"}).status_code == 404
