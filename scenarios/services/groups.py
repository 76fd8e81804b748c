"""Scenario groups: splitting a cohort's members, late joiners, tutors arranging groups by hand.

Each group has its own restricted board (made through ``mentoring.boards.services.setup``),
whose audience follows the group's members.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.urls import reverse

from mentoring.boards.services.sections import BoardSection
from mentoring.boards.services.setup import create_board, set_board_audience
from mentoring.core.errors import Forbidden, Invalid, NotFound
from mentoring.models import Board, Cohort, Membership, User
from mentoring.rules.permissions import is_tutor
from scenarios import events
from scenarios.models import GroupMember, Release, ScenarioGroup, Solution
from scenarios.selectors import smallest_group


def cohort_members(cohort: Cohort) -> list[User]:
    return list(
        User.objects.filter(
            memberships__cohort=cohort, memberships__role=Membership.Role.MEMBER
        ).order_by("memberships__joined_at", "id")
    )


def new_group(*, release: Release, members: Sequence[User], number: int | None = None):
    if number is None:
        number = ScenarioGroup.objects.filter(release=release).count() + 1
    name = f"Group {number}"
    while ScenarioGroup.objects.filter(release=release, name=name).exists():
        number += 1
        name = f"Group {number}"
    board = create_board(
        cohort=release.cohort,
        kind=Board.Kind.SCENARIO,
        title=f"{release.scenario.title}: {name}",
        description=f"Your group's space to work on “{release.scenario.title}”.",
        restricted=True,
        allowed_users=list(members),
        # The group's board follows the release: hidden from members before it opens,
        # read-only once it closes (``mentoring.rules.visibility``).
        opens_at=release.opens_at,
        closes_at=release.closes_at,
    )
    group = ScenarioGroup.objects.create(release=release, name=name, board=board)
    GroupMember.objects.bulk_create(
        [GroupMember(group=group, release=release, user=user) for user in members]
    )
    Solution.objects.create(group=group)
    return group


def split_into_groups(members: Sequence[User], group_size: int) -> list[list[User]]:
    """Split as evenly as possible: ceil(n / size) groups whose sizes differ by at most one."""
    if not members:
        return []
    count = max(1, math.ceil(len(members) / group_size))
    return [list(members[i::count]) for i in range(count)]


def check_manual_groups(*, members: list[User], groups: Sequence[Sequence[User]]):
    member_ids = {user.pk for user in members}
    seen: set[int] = set()
    arranged: list[list[User]] = []
    for group_members in groups:
        group_members = list(group_members)
        if not group_members:
            continue
        for user in group_members:
            if user.pk not in member_ids:
                raise Invalid(
                    "invalid", f"{user.username} is not a member of this cohort.", field="groups"
                )
            if user.pk in seen:
                raise Invalid(
                    "invalid", f"{user.username} is in more than one group.", field="groups"
                )
            seen.add(user.pk)
        arranged.append(group_members)
    return arranged


def _sync_board(group: ScenarioGroup) -> None:
    set_board_audience(board=group.board, users=list(group.members.all()))


def place_in_smallest_group(*, release: Release, user: User) -> ScenarioGroup:
    group = smallest_group(release=release)
    if group is None:
        return new_group(release=release, members=[user])
    GroupMember.objects.create(group=group, release=release, user=user)
    _sync_board(group)
    return group


@transaction.atomic
def place_late_joiners(*, cohort: Cohort, users: Iterable[User]) -> list[ScenarioGroup]:
    """Members enrolled after a release go to its smallest group (for releases not closed)."""
    users = list(users)
    members = set(
        Membership.objects.filter(
            cohort=cohort, user__in=users, role=Membership.Role.MEMBER
        ).values_list("user_id", flat=True)
    )  # one query, however many were enrolled (a roster import)
    users = [user for user in users if user.pk in members]
    placed: list[ScenarioGroup] = []
    # Lock the cohort's releases so two enrolments at once cannot both pick the same
    # "smallest" group and leave the groups uneven.
    releases = list(
        Release.objects.not_closed().filter(cohort=cohort).select_for_update().order_by("id")
    )
    for release in releases:
        for user in users:
            if GroupMember.objects.filter(release=release, user=user).exists():
                continue
            placed.append(place_in_smallest_group(release=release, user=user))
    return placed


def place_late_joiners_on_enrolment(sender, *, cohort: Cohort, users, **kwargs) -> None:
    """Receiver for ``mentoring.signals.members_enrolled``."""
    place_late_joiners(cohort=cohort, users=users)


@transaction.atomic
def move_member(*, release: Release, user: User, to_group: ScenarioGroup, by: User):
    """A tutor moves a member into another group (or places an unplaced member)."""
    if not is_tutor(by, release.cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can arrange groups.")
    if to_group.release_id != release.pk:
        raise NotFound("There is no such group in this release.")
    if not Membership.objects.filter(
        cohort=release.cohort, user=user, role=Membership.Role.MEMBER
    ).exists():
        raise Invalid("invalid", f"{user.username} is not a member of this cohort.")
    current = GroupMember.objects.select_for_update().filter(release=release, user=user).first()
    if current is not None and current.group_id == to_group.pk:
        return to_group
    if current is not None:
        old_group = current.group
        current.delete()
        _sync_board(old_group)
        # Their open editor on the old group's solution closes (4403).
        events.solution_access_changed(group_id=old_group.pk, user_id=user.pk)
    GroupMember.objects.create(group=to_group, release=release, user=user)
    _sync_board(to_group)
    return to_group


@transaction.atomic
def add_group(*, release: Release, by: User) -> ScenarioGroup:
    """A tutor adds an empty group, to move members into by hand."""
    if not is_tutor(by, release.cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can arrange groups.")
    return new_group(release=release, members=[])


def release_sections(boards: Sequence[Board]) -> list[BoardSection]:
    """The cohort page's headings for group boards: one per release, newest first, its groups'
    boards (those the reader may open) under it. Registered with mentoring in apps.py."""
    by_id = {board.pk: board for board in boards if board.kind == Board.Kind.SCENARIO}
    if not by_id:
        return []
    groups = (
        ScenarioGroup.objects.filter(board_id__in=by_id)
        .select_related("release__scenario")
        .order_by("-release__opens_at", "release_id", "name")
    )
    sections: dict[int, BoardSection] = {}
    for group in groups:
        release = group.release
        section = sections.get(release.pk)
        if section is None:
            section = sections[release.pk] = BoardSection(
                title=release.scenario.title,
                url=reverse("scenarios:release", kwargs={"release_id": release.pk}),
                note=release.status,
            )
        board = by_id[group.board_id]
        board.group_name = group.name
        section.boards.append(board)
    return list(sections.values())
