"""Resource-link launches from the test platform: accounts, roles, course ↔ cohort."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from lti_tool.models import LtiUser

from mentoring.models import LtiCourse, Membership, User
from tests.factories import make_cohort
from tests.lti.conftest import launch
from tests.lti.platform import INSTRUCTOR, LEARNER, MENTOR, TEACHING_ASSISTANT

pytestmark = pytest.mark.django_db


def test_learner_first_launch_into_an_unlinked_course_sees_not_set_up(platform):
    client = Client()
    response = launch(client, platform, sub="learner-1", roles=[LEARNER])
    assert response.status_code == 200
    assert b"not set up in Staffroom yet" in response.content
    user = LtiUser.objects.get(sub="learner-1").auth_user
    assert user is not None and not user.is_staff
    assert user.first_name == "Ada" and user.email == "ada@uni.example"
    assert not Membership.objects.filter(user=user).exists()


def test_instructor_creates_a_cohort_then_learners_land_in_it(platform):
    tutor_client = Client()
    response = launch(
        tutor_client, platform, sub="prof-1", roles=[INSTRUCTOR], email="prof@uni.example"
    )
    assert response.status_code == 302 and response["Location"] == "/lti/course/"
    page = tutor_client.get("/lti/course/")
    assert page.status_code == 200 and b"Create a cohort for this course" in page.content
    done = tutor_client.post("/lti/course/", {"action": "create", "name": "PGCE 2026"})
    assert done.status_code == 302
    course = LtiCourse.objects.get()
    assert course.cohort.name == "PGCE 2026"
    tutor = LtiUser.objects.get(sub="prof-1").auth_user
    assert Membership.objects.get(cohort=course.cohort, user=tutor).role == "tutor"
    assert not tutor.is_staff
    assert tutor_client.get(done["Location"], follow=True).status_code == 200

    learner = Client()
    response = launch(learner, platform, sub="learner-2", roles=[LEARNER], email="l2@uni.example")
    assert response.status_code == 302
    assert response["Location"] == f"/cohorts/{course.cohort.pk}/"
    user = LtiUser.objects.get(sub="learner-2").auth_user
    assert Membership.objects.get(cohort=course.cohort, user=user).role == "member"
    assert learner.get(response["Location"]).status_code == 200


def test_teaching_assistant_is_a_tutor_and_mentor_has_no_place(platform):
    cohort = make_cohort(name="Linked")
    LtiCourse.objects.create(context=_context(platform, Client()), cohort=cohort)
    response = launch(Client(), platform, sub="ta-1", roles=[TEACHING_ASSISTANT], email="ta@x.org")
    assert response.status_code == 302
    ta = LtiUser.objects.get(sub="ta-1").auth_user
    assert Membership.objects.get(cohort=cohort, user=ta).role == "tutor"
    refused = launch(Client(), platform, sub="mentor-1", roles=[MENTOR], email="m@x.org")
    assert refused.status_code == 403
    assert b"lti_role" in refused.content


def _context(platform, client):
    """The course's context row, made by an instructor's launch."""
    from lti_tool.models import LtiContext

    launch(client, platform, sub="prof-x", roles=[INSTRUCTOR], email="profx@uni.example")
    return LtiContext.objects.get(id_on_platform="course-1")


def test_instructor_links_the_course_to_a_cohort_they_tutor(platform):
    client = Client()
    launch(client, platform, sub="prof-1", roles=[INSTRUCTOR], email="prof@uni.example")
    tutor = LtiUser.objects.get(sub="prof-1").auth_user
    mine = make_cohort(name="Mine", tutors=[tutor])
    others = make_cohort(name="Not mine")
    refused = client.post("/lti/course/", {"action": "link", "cohort": others.pk})
    assert refused.status_code == 200 and not LtiCourse.objects.exists()
    done = client.post("/lti/course/", {"action": "link", "cohort": mine.pk})
    assert done.status_code == 302
    assert LtiCourse.objects.get().cohort == mine


def test_person_is_found_by_issuer_and_sub_and_names_follow_the_platform(platform):
    launch(Client(), platform, sub="learner-9", roles=[LEARNER], email="a@uni.example")
    first = LtiUser.objects.get(sub="learner-9").auth_user
    launch(
        Client(),
        platform,
        sub="learner-9",
        roles=[LEARNER],
        email="new@uni.example",
        given_name="Augusta",
        name="Augusta King",
    )
    again = LtiUser.objects.get(sub="learner-9").auth_user
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.first_name == "Augusta" and again.display_name == "Augusta King"
    assert again.email == "new@uni.example"
    assert User.objects.filter(lti_users__sub="learner-9").count() == 1


def test_existing_account_is_linked_only_by_a_verified_address_when_allowed(platform, settings):
    existing = User.objects.create_user("ada", email="ada@uni.example")
    EmailAddress.objects.create(user=existing, email="ada@uni.example", verified=True)
    settings.LTI_LINK_BY_VERIFIED_EMAIL = False
    launch(Client(), platform, sub="s-1", roles=[LEARNER], email="ada@uni.example")
    first = LtiUser.objects.get(sub="s-1").auth_user
    assert first.pk != existing.pk and first.email == ""  # never two accounts on one address

    settings.LTI_LINK_BY_VERIFIED_EMAIL = True
    launch(Client(), platform, sub="s-2", roles=[LEARNER], email="ada@uni.example")
    assert LtiUser.objects.get(sub="s-2").auth_user_id == existing.pk

    unverified = User.objects.create_user("bob", email="bob@uni.example")
    EmailAddress.objects.create(user=unverified, email="bob@uni.example", verified=False)
    launch(Client(), platform, sub="s-3", roles=[LEARNER], email="bob@uni.example")
    assert LtiUser.objects.get(sub="s-3").auth_user_id != unverified.pk


def test_launch_never_makes_anyone_staff(platform):
    admin_roles = [
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
        INSTRUCTOR,
    ]
    launch(Client(), platform, sub="admin-1", roles=admin_roles, email="admin@uni.example")
    user = LtiUser.objects.get(sub="admin-1").auth_user
    assert not user.is_staff and not user.is_superuser


def test_later_launch_lands_on_the_placement_the_link_names(platform):
    cohort = make_cohort(name="Linked")
    LtiCourse.objects.create(context=_context(platform, Client()), cohort=cohort)
    board = cohort.boards.order_by("id").first()
    response = launch(
        Client(),
        platform,
        sub="l-1",
        roles=[LEARNER],
        custom={"staffroom_target": f"board:{board.pk}"},
    )
    assert response["Location"] == f"/boards/{board.pk}/"
    unknown = launch(
        Client(), platform, sub="l-1", roles=[LEARNER], custom={"staffroom_target": "board:999999"}
    )
    assert unknown["Location"] == f"/cohorts/{cohort.pk}/"


def test_invited_member_keeps_their_role_when_the_platform_says_otherwise(platform):
    cohort = make_cohort(name="Linked")
    LtiCourse.objects.create(context=_context(platform, Client()), cohort=cohort)
    launch(Client(), platform, sub="x-1", roles=[LEARNER], email="x1@uni.example")
    user = LtiUser.objects.get(sub="x-1").auth_user
    assert Membership.objects.get(cohort=cohort, user=user).role == "member"
    launch(Client(), platform, sub="x-1", roles=[INSTRUCTOR], email="x1@uni.example")
    assert Membership.objects.get(cohort=cohort, user=user).role == "tutor"  # came by LTI

    invited = User.objects.create_user("inv", email="inv@uni.example")
    Membership.objects.create(cohort=cohort, user=invited, role="tutor")
    EmailAddress.objects.create(user=invited, email="inv@uni.example", verified=True)
    from django.test import override_settings

    with override_settings(LTI_LINK_BY_VERIFIED_EMAIL=True):
        launch(Client(), platform, sub="inv-1", roles=[LEARNER], email="inv@uni.example")
    assert Membership.objects.get(cohort=cohort, user=invited).role == "tutor"


def test_erasure_forgets_what_the_platform_said(platform):
    from mentoring.privacy.services.erasure import erase_now, run_erasure

    launch(Client(), platform, sub="gone-1", roles=[LEARNER], email="gone@uni.example")
    user = LtiUser.objects.get(sub="gone-1").auth_user
    run_erasure(erase_now(user=user).pk)
    assert not LtiUser.objects.filter(sub="gone-1").exists()
