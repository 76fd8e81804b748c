"""Signing in through a real SAML 2.0 identity provider (djangosaml2idp on pysaml2,
tests/idp/saml_idp): a tutor comes in, attributes keep the account up to date."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from mentoring.invitations.services.invitations import invite_emails
from mentoring.models import Invitation, Membership, User
from tests.factories import make_cohort
from tests.sso.helpers import idp_user, saml_app, saml_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(HTTP_HOST="testserver")


@pytest.fixture
def university(client, saml_idp):
    return saml_app(client, saml_idp)


def test_an_invited_tutor_signs_in_and_attributes_keep_the_account_up_to_date(
    client, saml_idp, university, tutor
):
    cohort = make_cohort(name="PGCE secondary", tutors=[tutor])
    invite_emails(cohort=cohort, by=tutor, emails=["tom@uni.example"])
    Invitation.objects.filter(email="tom@uni.example").update(role="tutor")
    idp_user(saml_idp, "tom", "tom@uni.example", "Tom", "Tutor")
    response = saml_sign_in(client, university, "tom@uni.example", "tom")
    assert response.status_code == 302, response.content
    user = User.objects.get(email="tom@uni.example")
    assert user.display_name == "Tom Tutor"
    assert Membership.objects.get(cohort=cohort, user=user).role == "tutor"
    account = SocialAccount.objects.get(user=user)
    assert account.uid == "tom@uni.example"  # eduPersonPrincipalName
    # The university renames them and changes their address: the next sign-in follows.
    idp_user(saml_idp, "tom", "thomas@uni.example", "Thomas", "Tutor")
    again = saml_sign_in(Client(HTTP_HOST="testserver"), university, "thomas@uni.example", "tom")
    assert again.status_code == 302, again.content
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("Thomas Tutor", "thomas@uni.example")
