import pytest

from mentoring.cohorts.services import (
    create_cohort_by_usernames,
    enrol,
    enrol_members,
    remove_membership,
    update_cohort_settings,
)
from mentoring.core.errors import Forbidden, ServiceError
from mentoring.models import Board, Cohort, Membership
from mentoring.rules.permissions import can_view_cohort, can_view_participation, is_tutor
from tests.factories import UserFactory, make_cohort

pytestmark = pytest.mark.django_db


def test_new_cohort_has_a_general_and_an_ask_a_tutor_board(cohort):
    kinds = sorted(cohort.boards.values_list("kind", flat=True))
    assert kinds == [Board.Kind.GENERAL, Board.Kind.PRIVATE]


def test_a_cohort_whose_boards_fail_is_not_created(tutor, monkeypatch):
    """Boards make theirs on ``cohort_created``, inside the creating transaction: if that
    fails, no cohort exists without its boards."""

    def broken(**kwargs):
        raise RuntimeError("no boards today")

    monkeypatch.setattr("mentoring.boards.receivers.create_board", broken)
    with pytest.raises(RuntimeError):
        make_cohort(name="Doomed", tutors=[tutor])
    assert not Cohort.objects.filter(name="Doomed").exists()


def test_defaults_follow_the_contract(cohort):
    assert cohort.edit_grace_seconds == 1800
    assert cohort.reader_threshold == 1
    assert cohort.allow_anonymous_to_peers is False


def test_tutors_and_members_get_their_object_permissions(cohort, tutor, members, outsider):
    member = members[0]
    assert is_tutor(tutor, cohort) and can_view_participation(tutor, cohort)
    assert can_view_cohort(member, cohort)
    assert not is_tutor(member, cohort) and not can_view_participation(member, cohort)
    assert not can_view_cohort(outsider, cohort)


def test_removing_a_membership_revokes_access(cohort, members):
    remove_membership(cohort=cohort, user=members[0])
    members[0] = type(members[0]).objects.get(pk=members[0].pk)  # fresh permission cache
    assert not can_view_cohort(members[0], cohort)


def test_enrolling_unknown_usernames_enrols_nobody(cohort, tutor, outsider):
    with pytest.raises(ServiceError) as error:
        enrol_members(cohort=cohort, usernames=[outsider.username, "ghost", "nobody"], by=tutor)
    assert error.value.code == "unknown_users"
    assert error.value.extra["usernames"] == ["ghost", "nobody"]
    assert not Membership.objects.filter(cohort=cohort, user=outsider).exists()


def test_only_tutors_enrol(cohort, members, outsider):
    with pytest.raises(Forbidden):
        enrol_members(cohort=cohort, usernames=[outsider.username], by=members[0])


def test_only_staff_create_cohorts(tutor):
    with pytest.raises(Forbidden):
        create_cohort_by_usernames(name="X", tutors=[tutor.username], created_by=tutor)
    staff = UserFactory(username="staffer", is_staff=True)
    cohort = create_cohort_by_usernames(name="X", tutors=[tutor.username], created_by=staff)
    assert is_tutor(tutor, cohort)


@pytest.mark.parametrize(
    "changes",
    [
        {"edit_grace_seconds": 86401},
        {"edit_grace_seconds": -1},
        {"reader_threshold": 0},
        {"name": "  "},
        {"colour": "red"},
    ],
)
def test_invalid_settings_are_refused_and_nothing_changes(cohort, tutor, changes):
    with pytest.raises(ServiceError):
        update_cohort_settings(cohort=cohort, by=tutor, **changes)
    fresh = Cohort.objects.get(pk=cohort.pk)
    assert (fresh.name, fresh.edit_grace_seconds, fresh.reader_threshold) == (cohort.name, 1800, 1)


def test_members_cannot_change_settings(cohort, members):
    with pytest.raises(Forbidden):
        update_cohort_settings(cohort=cohort, by=members[0], edit_grace_seconds=10)


def test_database_refuses_a_grace_period_over_a_day(cohort):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Cohort.objects.filter(pk=cohort.pk).update(edit_grace_seconds=90000)


def test_two_cohorts_do_not_share_permissions(tutor, members):
    first = make_cohort(name="First", tutors=[tutor], members=members[:1])
    second = make_cohort(name="Second", tutors=[UserFactory(username="t2")], members=members[1:])
    assert can_view_cohort(members[0], first) and not can_view_cohort(members[0], second)
    assert not is_tutor(tutor, second)


# --- One enrol for every path -----------------------------------------------------------------
@pytest.fixture
def enrolled_signals():
    """Every ``members_enrolled`` sent, as (cohort id, sorted user ids)."""
    from mentoring.signals import members_enrolled

    sent = []

    def receiver(sender, *, cohort, users, **kwargs):
        sent.append((cohort.pk, sorted(u.pk for u in users)))

    members_enrolled.connect(receiver, dispatch_uid="test-enrolled-signals")
    yield sent
    members_enrolled.disconnect(dispatch_uid="test-enrolled-signals")


def test_enrol_is_idempotent_and_signals_once_for_the_newly_enrolled(
    cohort, members, enrolled_signals
):
    newcomers = UserFactory.create_batch(3)
    outcome = enrol(cohort=cohort, users=[members[0], *newcomers, newcomers[0]])
    assert outcome.enrolled == newcomers
    assert outcome.unchanged == [members[0]]
    assert [m.user_id for m in outcome.memberships] == [members[0].pk] + [u.pk for u in newcomers]
    assert enrolled_signals == [(cohort.pk, sorted(u.pk for u in newcomers))]
    again = enrol(cohort=cohort, users=newcomers)
    assert again.enrolled == [] and again.unchanged == newcomers
    assert len(enrolled_signals) == 1  # nobody new, no signal
    assert Membership.objects.filter(cohort=cohort, user__in=newcomers).count() == 3


def test_enrol_changes_a_role_only_when_asked(cohort, tutor, members):
    kept = enrol(cohort=cohort, users=[tutor], role=Membership.Role.MEMBER)
    assert kept.unchanged == [tutor] and is_tutor(tutor, cohort)
    promoted = enrol(
        cohort=cohort, users=[members[0]], role=Membership.Role.TUTOR, change_role=True
    )
    assert promoted.role_changed == [members[0]]
    assert is_tutor(members[0], cohort)  # the same user object: its cached role was forgotten


def test_enrol_by_someone_who_does_not_tutor_is_refused(cohort, members, outsider):
    with pytest.raises(Forbidden):
        enrol(cohort=cohort, users=[outsider], by=members[0])
    assert not Membership.objects.filter(cohort=cohort, user=outsider).exists()


def test_enrol_refuses_an_unknown_role(cohort, outsider):
    with pytest.raises(ServiceError) as error:
        enrol(cohort=cohort, users=[outsider], role="owner")
    assert error.value.extra["field"] == "role"


def test_enrolling_many_takes_as_many_queries_as_enrolling_few(cohort):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(n: int) -> int:
        people = UserFactory.create_batch(n)
        with CaptureQueriesContext(connection) as queries:
            enrol(cohort=cohort, users=people)
        return len(queries)

    assert count(3) == count(60)


def test_every_enrolment_path_sends_members_enrolled_once(cohort, tutor, enrolled_signals):
    """The services that let people in (members page, roster or e-mail list, invitation, join
    link, join request) all go through ``enrol``: none has to remember the signal."""
    from mentoring.invitations.services import invitations as invites
    from mentoring.models import Invitation, JoinRequest

    by_username = UserFactory(username="by_name")
    enrol_members(cohort=cohort, usernames=["by_name"], by=tutor)
    colleague = UserFactory(username="colleague", email="colleague@uni.example")
    make_cohort(name="Last year", tutors=[tutor], members=[colleague])
    enrolled_signals.clear()  # making that cohort enrolled its people too
    enrol_members(cohort=cohort, usernames=["by_name"], by=tutor)  # already in: no signal
    invites.invite_emails(
        cohort=cohort, by=tutor, emails="colleague@uni.example, guest@uni.example"
    )  # the colleague is enrolled at once, the guest invited
    invitation = Invitation.objects.get(cohort=cohort, email="guest@uni.example")
    guest = invites.accept_invitation(invitation=invitation, password="a-long-Passw0rd!")
    link = invites.configure_join_link(cohort=cohort, by=tutor, enabled=True)
    joiner = UserFactory(username="joiner")
    invites.join_cohort(link=link, user=joiner)
    waiting = UserFactory(username="waiting")
    link = invites.configure_join_link(
        cohort=cohort, by=tutor, enabled=True, requires_approval=True
    )
    request = invites.join_cohort(link=link, user=waiting)
    assert isinstance(request, JoinRequest)
    invites.decide_join_request(join_request=request, by=tutor, approve=True)
    assert enrolled_signals == [
        (cohort.pk, [colleague.pk]),
        (cohort.pk, [guest.pk]),
        (cohort.pk, [joiner.pk]),
        (cohort.pk, [waiting.pk]),
    ]
    assert by_username.memberships.filter(cohort=cohort).count() == 1
