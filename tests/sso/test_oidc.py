"""Signing in through a real OpenID Connect provider (django-oidc-provider, tests/idp/oidc_op):
who may come in, what they join, and linking to an existing account."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from mentoring.invitations.services.invitations import invite_emails
from mentoring.models import Membership, User
from tests.factories import UserFactory, make_cohort
from tests.sso.helpers import idp_user, oidc_app, oidc_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(oidc_op):
    return oidc_app(oidc_op)


def test_an_invited_person_signs_in_and_is_in_the_cohort(oidc_op, school, tutor):
    cohort = make_cohort(name="Oakfield NQTs", tutors=[tutor])
    invite_emails(cohort=cohort, by=tutor, emails=["nina@school.example"])
    idp_user(oidc_op, "nina", "nina@school.example", "Nina", "Newly")
    client = Client()
    response = oidc_sign_in(client, school, "nina@school.example", "nina")
    assert response.status_code == 302, response.content
    user = User.objects.get(email="nina@school.example")
    assert user.display_name == "Nina Newly"
    assert not user.has_usable_password()
    assert Membership.objects.filter(cohort=cohort, user=user, role="member").exists()
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).count() == 1
    assert client.get("/").wsgi_request.user == user


def test_an_uninvited_person_is_stopped_and_nothing_is_made(oidc_op, school, caplog):
    idp_user(oidc_op, "ursula", "ursula@school.example")
    response = oidc_sign_in(Client(), school, "ursula@school.example", "ursula")
    assert response.status_code == 403
    assert b'data-code="not_admitted"' in response.content
    assert b"invitation" in response.content
    assert not User.objects.filter(email="ursula@school.example").exists()
    assert not SocialAccount.objects.exists()
    assert "single sign-on refused: code=not_admitted" in caplog.text


def test_a_join_link_for_the_domain_admits_and_enrols(oidc_op, school, tutor):
    from mentoring.invitations.services.invitations import configure_join_link

    cohort = make_cohort(name="Open cohort", tutors=[tutor])
    configure_join_link(cohort=cohort, by=tutor, enabled=True, allowed_domains=["school.example"])
    idp_user(oidc_op, "jo", "jo@school.example")
    response = oidc_sign_in(Client(), school, "jo@school.example", "jo")
    assert response.status_code == 302
    assert Membership.objects.filter(cohort=cohort, user__email="jo@school.example").exists()


def test_an_existing_account_is_linked_once_its_owner_confirms(oidc_op, school):
    owner = UserFactory(username="olga", email="olga@school.example")
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    idp_user(oidc_op, "olga", "olga@school.example", "Olga", "Renamed")
    client = Client()
    response = oidc_sign_in(client, school, "olga@school.example", "olga")
    assert response.status_code == 302 and response["Location"] == "/accounts/sso/link/"
    assert not SocialAccount.objects.exists()
    page = client.get("/accounts/sso/link/")
    assert b"Link and sign in" in page.content
    done = client.post("/accounts/sso/link/")
    assert done.status_code == 302
    assert SocialAccount.objects.get().user == owner
    assert client.get("/").wsgi_request.user == owner
    owner.refresh_from_db()
    assert owner.display_name == "Olga Renamed"
    # Once: the next sign-in goes straight in.
    again = oidc_sign_in(Client(), school, "olga@school.example", "olga")
    assert again.status_code == 302 and again["Location"] != "/accounts/sso/link/"


def test_an_unconfirmed_address_of_an_account_is_not_linked(oidc_op, school):
    UserFactory(username="ulla", email="ulla@school.example")
    idp_user(oidc_op, "ulla", "ulla@school.example")
    response = oidc_sign_in(Client(), school, "ulla@school.example", "ulla")
    assert response.status_code == 403
    assert b'data-code="unverified_account_address"' in response.content
    assert not SocialAccount.objects.exists()
