"""Who a first sign-in through an identity provider may make an account for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.invitations.services.invitations import configure_join_link, invite_emails
from mentoring.invitations.services.roster import parse_roster
from mentoring.models import Invitation, JoinRequest, Membership
from mentoring.sso.services.admission import admission_for, admit
from tests.factories import UserFactory, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tutor):
    return make_cohort(name="Admission cohort", tutors=[tutor])


def test_a_pending_invitation_admits_its_address_only(course, tutor):
    invite_emails(cohort=course, by=tutor, emails=["Nina@School.example"])
    assert admission_for("nina@school.example").allowed
    assert admission_for("NINA@school.example").allowed
    assert not admission_for("nino@school.example").allowed


def test_a_roster_row_admits_like_an_invitation(course, tutor):
    from mentoring.invitations.services.invitations import import_roster

    data = b"email,first name,last name\nrosa@school.example,Rosa,Row\n"
    assert parse_roster(data).rows
    import_roster(cohort=course, by=tutor, data=data, dry_run=False)
    assert admission_for("rosa@school.example").allowed


@pytest.mark.parametrize("how", ["expired", "revoked", "accepted"])
def test_an_invitation_no_longer_open_admits_nobody(course, tutor, how):
    invite_emails(cohort=course, by=tutor, emails=["old@school.example"])
    now = timezone.now()
    changes = {
        "expired": {"expires_at": now - timedelta(minutes=1)},
        "revoked": {"revoked_at": now},
        "accepted": {"accepted_at": now},
    }[how]
    Invitation.objects.filter(email="old@school.example").update(**changes)
    assert not admission_for("old@school.example").allowed


def test_a_join_link_admits_its_domains_but_an_open_link_admits_nobody(course, tutor):
    configure_join_link(cohort=course, by=tutor, enabled=True, allowed_domains=[])
    assert not admission_for("anyone@school.example").allowed
    configure_join_link(cohort=course, by=tutor, enabled=True, allowed_domains=["school.example"])
    assert admission_for("anyone@school.example").allowed
    assert not admission_for("anyone@elsewhere.example").allowed
    configure_join_link(cohort=course, by=tutor, enabled=False, allowed_domains=["school.example"])
    assert not admission_for("anyone@school.example").allowed


def test_admitting_enrols_with_the_invitations_role_and_asks_where_approval_is_needed(
    course, tutor
):
    invite_emails(cohort=course, by=tutor, emails=["tom@uni.example"])
    Invitation.objects.filter(email="tom@uni.example").update(role="tutor")
    other = make_cohort(name="Needs approval", tutors=[tutor])
    configure_join_link(
        cohort=other,
        by=tutor,
        enabled=True,
        allowed_domains=["uni.example"],
        requires_approval=True,
    )
    tom = UserFactory(username="tom", email="tom@uni.example")
    admit(user=tom, admission=admission_for("tom@uni.example"))
    assert Membership.objects.get(cohort=course, user=tom).role == "tutor"
    assert Invitation.objects.get(email="tom@uni.example").accepted_by == tom
    assert JoinRequest.objects.filter(cohort=other, user=tom, status="pending").exists()
    assert not Membership.objects.filter(cohort=other, user=tom).exists()
