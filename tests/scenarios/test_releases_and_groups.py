"""Releasing scenarios to cohorts and forming groups (random, by hand, late joiners)."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.boards.selectors import visible_boards
from mentoring.cohorts.services import enrol_members
from mentoring.core.errors import Conflict, Forbidden, ServiceError
from mentoring.models import Board
from scenarios import selectors
from scenarios.models import GroupMember, Release, ScenarioGroup, Solution
from scenarios.services.groups import add_group, move_member
from scenarios.services.releases import close_release, release_scenario
from tests.factories import UserFactory, make_cohort
from tests.scenarios.helpers import make_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_cohort(tutor):
    people = [UserFactory(username=f"nqt{i:02}") for i in range(1, 13)]
    return make_cohort(name="Big cohort", tutors=[tutor], members=people)


def _sizes(release):
    return sorted(group.members.count() for group in release.groups.all())


def _nothing_written():
    return not (
        Release.objects.exists()
        or ScenarioGroup.objects.exists()
        or Board.objects.filter(kind=Board.Kind.SCENARIO).exists()
    )


def test_release_splits_the_cohort_into_even_groups_each_with_a_private_board(
    big_cohort, scenario, tutor
):
    release = release_scenario(
        cohort=big_cohort, scenario=scenario, by=tutor, group_size=5, rng=random.Random(1)
    )
    assert release.group_size == 5 and release.created_by == tutor and release.is_open()
    assert _sizes(release) == [4, 4, 4]  # 12 members, groups of "about 5": 3 groups
    placed = GroupMember.objects.filter(release=release).values_list("user_id", flat=True)
    assert len(set(placed)) == 12
    for group in release.groups.all():
        assert group.board.kind == Board.Kind.SCENARIO and group.board.restricted
        assert set(group.board.allowed_users.all()) == set(group.members.all())
        assert Solution.objects.get(group=group).status == Solution.Status.DRAFT
        member = group.members.first()
        seen = set(visible_boards(user=member, cohort=big_cohort).values_list("pk", flat=True))
        others = {g.board_id for g in release.groups.exclude(pk=group.pk)}
        assert group.board_id in seen and not (others & seen)


def test_default_group_size_is_five(big_cohort, scenario):
    release = release_scenario(cohort=big_cohort, scenario=scenario, by=None)
    assert release.group_size == 5 and len(_sizes(release)) == 3


def test_groups_by_hand_and_leftovers_to_the_smallest(big_cohort, scenario, tutor):
    people = list(big_cohort.memberships.filter(role="member").order_by("user__username"))
    users = [m.user for m in people]
    release = release_scenario(
        cohort=big_cohort,
        scenario=scenario,
        by=tutor,
        grouping=Release.Grouping.MANUAL,
        groups=[users[:6], users[6:8]],
    )
    # The four not placed by hand go to the smallest group each time.
    assert _sizes(release) == [6, 6]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"group_size": 1}, "invalid", "group_size"),
        ({"closes_at": "before"}, "invalid", "closes_at"),
        ({"scenario": 999_999}, "unknown_scenario", "scenario"),
        ({"grouping": "alphabetical"}, "invalid", "grouping"),
    ],
)
def test_bad_releases_are_refused_and_nothing_is_written(
    cohort, scenario, tutor, changes, code, field
):
    kwargs = {"cohort": cohort, "scenario": scenario, "by": tutor}
    kwargs.update(changes)
    if kwargs.get("closes_at") == "before":
        kwargs["opens_at"] = timezone.now() + timedelta(days=2)
        kwargs["closes_at"] = timezone.now() + timedelta(days=1)
    with pytest.raises(ServiceError) as error:
        release_scenario(**kwargs)
    assert error.value.code == code and error.value.extra["field"] == field
    assert _nothing_written()


def test_an_unpublished_scenario_cannot_be_released(cohort, module, tutor):
    draft = make_scenario(module, title="Draft", publish=False)
    with pytest.raises(ServiceError) as error:
        release_scenario(cohort=cohort, scenario=draft, by=tutor)
    assert error.value.code == "scenario_not_published" and "publish it" in error.value.detail
    assert _nothing_written()


def test_releasing_twice_is_a_conflict(cohort, scenario, tutor):
    release_scenario(cohort=cohort, scenario=scenario, by=tutor)
    with pytest.raises(ServiceError) as error:
        release_scenario(cohort=cohort, scenario=scenario, by=tutor)
    assert error.value.code == "already_released" and isinstance(error.value, Conflict)
    assert Release.objects.count() == 1


def test_only_the_cohorts_tutors_release(cohort, scenario, members, outsider):
    for user in (members[0], outsider):
        with pytest.raises(Forbidden):
            release_scenario(cohort=cohort, scenario=scenario, by=user)
    assert _nothing_written()


def test_members_see_only_open_releases(cohort, module, tutor, members):
    now = timezone.now()
    open_one = release_scenario(cohort=cohort, scenario=make_scenario(module, title="A"), by=tutor)
    later = release_scenario(
        cohort=cohort,
        scenario=make_scenario(module, title="B"),
        by=tutor,
        opens_at=now + timedelta(hours=1),
    )
    closed = release_scenario(cohort=cohort, scenario=make_scenario(module, title="C"), by=tutor)
    close_release(release=closed, by=tutor)
    assert list(selectors.releases_for_cohort(user=members[0], cohort=cohort)) == [open_one]
    assert set(selectors.releases_for_cohort(user=tutor, cohort=cohort)) == {
        open_one,
        later,
        closed,
    }
    assert later.status == "scheduled" and Release.objects.get(pk=closed.pk).status == "closed"


def test_late_joiners_go_to_the_smallest_group(cohort, scenario, tutor):
    release = release_scenario(cohort=cohort, scenario=scenario, by=tutor, group_size=2)
    assert _sizes(release) == [1, 2]  # three members, groups of about two
    smallest = min(release.groups.all(), key=lambda g: g.members.count())
    UserFactory(username="latecomer")
    enrol_members(cohort=cohort, usernames=["latecomer"], by=tutor)
    late = GroupMember.objects.get(release=release, user__username="latecomer")
    assert late.group_id == smallest.pk
    assert _sizes(release) == [2, 2]
    assert smallest.board.allowed_users.filter(username="latecomer").exists()
    # The next one goes to the (now equal) oldest smallest group; nobody is placed twice.
    UserFactory(username="later_still")
    enrol_members(cohort=cohort, usernames=["later_still", "latecomer"], by=tutor)
    assert _sizes(release) == [2, 3]
    assert GroupMember.objects.filter(release=release, user__username="latecomer").count() == 1


def test_late_joiners_are_not_added_to_closed_releases(cohort, scenario, tutor):
    release = release_scenario(cohort=cohort, scenario=scenario, by=tutor)
    close_release(release=release, by=tutor)
    UserFactory(username="latecomer")
    enrol_members(cohort=cohort, usernames=["latecomer"], by=tutor)
    assert not GroupMember.objects.filter(user__username="latecomer").exists()


def test_a_late_joiner_to_an_empty_cohort_starts_the_first_group(tutor, scenario):
    empty = make_cohort(name="Empty", tutors=[tutor])
    release = release_scenario(cohort=empty, scenario=scenario, by=tutor)
    assert release.groups.count() == 0
    UserFactory(username="first_member")
    enrol_members(cohort=empty, usernames=["first_member"], by=tutor)
    group = release.groups.get()
    assert [u.username for u in group.members.all()] == ["first_member"]
    assert [u.username for u in group.board.allowed_users.all()] == ["first_member"]


def test_tutor_moves_a_member_and_both_boards_follow(cohort, scenario, tutor, members):
    release = release_scenario(cohort=cohort, scenario=scenario, by=tutor, group_size=2)
    new_group = add_group(release=release, by=tutor)
    mover = members[0]
    old_group = selectors.group_of(user=mover, release=release)
    move_member(release=release, user=mover, to_group=new_group, by=tutor)
    assert selectors.group_of(user=mover, release=release) == new_group
    assert list(new_group.board.allowed_users.all()) == [mover]
    assert not old_group.board.allowed_users.filter(pk=mover.pk).exists()
    with pytest.raises(Forbidden):
        move_member(release=release, user=members[1], to_group=new_group, by=members[2])


def test_tutor_overview_costs_a_fixed_number_of_queries(
    big_cohort, scenario, tutor, django_assert_max_num_queries
):
    release = release_scenario(cohort=big_cohort, scenario=scenario, by=tutor)
    with django_assert_max_num_queries(3):
        groups = selectors.groups_of_release(release=release)
        names = [member.username for group in groups for member in group.members.all()]
        statuses = [group.solution.status for group in groups]
    assert len(names) == 12 and statuses == ["draft"] * 3


def test_scenario_access_costs_a_fixed_number_of_queries(
    big_cohort, scenario, tutor, django_assert_max_num_queries
):
    release_scenario(cohort=big_cohort, scenario=scenario, by=tutor)
    member = big_cohort.memberships.filter(role="member").first().user
    with django_assert_max_num_queries(8):
        access = selectors.scenario_access(user=member, page=scenario)
        assert access.can_view and access.group is not None and not access.expert_unlocked


def test_scenario_lists_in_the_pages(cohort, module, tutor, members, outsider):
    from django.test import Client

    release_scenario(cohort=cohort, scenario=make_scenario(module, title="Open now"), by=tutor)
    release_scenario(
        cohort=cohort,
        scenario=make_scenario(module, title="Next week"),
        by=tutor,
        opens_at=timezone.now() + timedelta(days=7),
    )
    member, tutor_client, stranger = Client(), Client(), Client()
    member.force_login(members[0])
    tutor_client.force_login(tutor)
    stranger.force_login(outsider)
    mine = member.get("/scenarios/").content.decode()
    assert "Open now" in mine and "Next week" not in mine
    listing = member.get(f"/scenarios/cohorts/{cohort.pk}/").content.decode()
    assert (
        "Open now" in listing and "Next week" not in listing and "Release a scenario" not in listing
    )
    tutor_listing = tutor_client.get(f"/scenarios/cohorts/{cohort.pk}/").content.decode()
    assert "Next week" in tutor_listing and "scheduled" in tutor_listing
    assert "Release a scenario" in tutor_listing
    assert stranger.get(f"/scenarios/cohorts/{cohort.pk}/").status_code == 404
