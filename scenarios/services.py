"""Every write about scenarios: releases, groups, solutions, feedback, reflections, views.

Plain functions with keyword-only arguments, each in one transaction and checking permission
itself, so the views, the API, the Wagtail admin and the demo seeder all get the same rules and
a refused request leaves nothing half-written.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from markdown_it import MarkdownIt

from mentoring.boards.services import create_board, set_board_audience
from mentoring.core.errors import Forbidden, NotFound, ServiceError
from mentoring.core.rendering import sanitise
from mentoring.models import Board, Cohort, Membership, Notification, User
from mentoring.notifications.services import notify
from mentoring.participation.services import record_resource_view
from mentoring.rules.permissions import is_tutor
from scenarios.models import (
    DEFAULT_GROUP_SIZE,
    MAX_GROUP_SIZE,
    MAX_SOLUTION_LENGTH,
    MIN_GROUP_SIZE,
    Feedback,
    GroupMember,
    Reflection,
    Release,
    ScenarioGroup,
    ScenarioPage,
    Solution,
    SolutionVersion,
)
from scenarios.selectors import ScenarioAccess, smallest_group

RESOURCE_SCENARIO = "scenario"
RESOURCE_DOCUMENT = "document"

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> str:
    """Solutions, feedback and reflections are Markdown, rendered once and sanitised."""
    return sanitise(_markdown.render(text or ""))


def _clean_text(text: str | None, *, field: str, what: str, limit: int = MAX_SOLUTION_LENGTH):
    text = (text or "").strip()
    if not text:
        raise ServiceError("invalid", f"Write something before saving the {what}.", field=field)
    if len(text) > limit:
        raise ServiceError(
            "invalid", f"The {what} can be at most {limit:,} characters.", field=field
        )
    return text


def may_manage_releases(user: User, cohort: Cohort) -> bool:
    """The cohort's tutors, and site administrators working in the Wagtail admin."""
    return is_tutor(user, cohort) or bool(user.is_active and user.is_superuser)


def release_url(release: Release) -> str:
    return reverse("scenarios:release", kwargs={"release_id": release.pk})


# --- Releases ---------------------------------------------------------------------------------
def _scenario_to_release(scenario: ScenarioPage | int | None) -> ScenarioPage:
    scenario_id = scenario.pk if isinstance(scenario, ScenarioPage) else scenario
    page = ScenarioPage.objects.filter(pk=scenario_id).first() if scenario_id else None
    if page is None:
        raise ServiceError(
            "unknown_scenario", f"There is no scenario with id {scenario_id}.", field="scenario_id"
        )
    if not page.live:
        raise ServiceError(
            "scenario_not_published",
            f"“{page.title}” is not published yet: publish it in the admin before releasing it.",
            field="scenario_id",
        )
    return page


def _check_release_dates(opens_at: datetime, closes_at: datetime | None) -> None:
    if closes_at is None:
        return
    if closes_at <= opens_at:
        raise ServiceError(
            "invalid",
            "closes_at must be after opens_at (when the release opens).",
            field="closes_at",
        )
    if closes_at <= timezone.now():
        raise ServiceError("invalid", "closes_at is already in the past.", field="closes_at")


def _check_group_size(group_size: int) -> None:
    if not isinstance(group_size, int) or group_size < MIN_GROUP_SIZE:
        raise ServiceError(
            "invalid", f"Groups need at least {MIN_GROUP_SIZE} people.", field="group_size"
        )
    if group_size > MAX_GROUP_SIZE:
        raise ServiceError(
            "invalid", f"Groups can have at most {MAX_GROUP_SIZE} people.", field="group_size"
        )


def _cohort_members(cohort: Cohort) -> list[User]:
    return list(
        User.objects.filter(
            memberships__cohort=cohort, memberships__role=Membership.Role.MEMBER
        ).order_by("memberships__joined_at", "id")
    )


def _new_group(*, release: Release, members: Sequence[User], number: int | None = None):
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


@transaction.atomic
def release_scenario(
    *,
    cohort: Cohort,
    scenario: ScenarioPage | int | None,
    by: User | None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    group_size: int = DEFAULT_GROUP_SIZE,
    grouping: str = Release.Grouping.RANDOM,
    groups: Sequence[Sequence[User]] | None = None,
    rng: random.Random | None = None,
) -> Release:
    """Release a published scenario to ``cohort`` and split its members into groups.

    ``grouping="random"`` shuffles the members into groups of about ``group_size``; ``"manual"``
    takes ``groups`` (lists of members) as the tutor arranged them, and anyone left out goes to
    the smallest group. ``by=None`` is the system (the demo seeder).
    """
    if by is not None and not may_manage_releases(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can release scenarios to it.")
    page = _scenario_to_release(scenario)
    opens_at = opens_at or timezone.now()
    _check_release_dates(opens_at, closes_at)
    _check_group_size(group_size)
    if grouping not in Release.Grouping.values:
        raise ServiceError("invalid", "grouping must be 'random' or 'manual'.", field="grouping")
    if Release.objects.filter(cohort=cohort, scenario=page).exists():
        raise ServiceError(
            "already_released",
            f"“{page.title}” has already been released to {cohort.name}.",
            status=409,
            field="scenario_id",
        )
    members = _cohort_members(cohort)
    if grouping == Release.Grouping.MANUAL and groups is not None:
        arranged = _check_manual_groups(members=members, groups=groups)
    else:
        shuffled = list(members)
        (rng or random).shuffle(shuffled)
        arranged = split_into_groups(shuffled, group_size)
    try:
        with transaction.atomic():
            release = Release.objects.create(
                cohort=cohort,
                scenario=page,
                opens_at=opens_at,
                closes_at=closes_at,
                group_size=group_size,
                grouping=grouping,
                created_by=by,
            )
    except IntegrityError as exc:  # a concurrent release of the same scenario won the race
        raise ServiceError(
            "already_released",
            f"“{page.title}” has already been released to {cohort.name}.",
            status=409,
        ) from exc
    for number, group_members in enumerate(arranged, start=1):
        _new_group(release=release, members=group_members, number=number)
    placed = {user.pk for group_members in arranged for user in group_members}
    for user in members:
        if user.pk not in placed:
            _place_in_smallest_group(release=release, user=user)
    if release.is_open():
        _announce_release(release=release, members=members)
    return release


def _check_manual_groups(*, members: list[User], groups: Sequence[Sequence[User]]):
    member_ids = {user.pk for user in members}
    seen: set[int] = set()
    arranged: list[list[User]] = []
    for group_members in groups:
        group_members = list(group_members)
        if not group_members:
            continue
        for user in group_members:
            if user.pk not in member_ids:
                raise ServiceError(
                    "invalid", f"{user.username} is not a member of this cohort.", field="groups"
                )
            if user.pk in seen:
                raise ServiceError(
                    "invalid", f"{user.username} is in more than one group.", field="groups"
                )
            seen.add(user.pk)
        arranged.append(group_members)
    return arranged


def _announce_release(*, release: Release, members: Iterable[User]) -> None:
    for user in members:
        notify(
            user=user,
            kind=Notification.Kind.SYSTEM,
            title=f"New scenario: {release.scenario.title}",
            body="Your group's board and shared solution are ready.",
            url=release_url(release),
            cohort=release.cohort,
        )


@transaction.atomic
def change_closing(*, release: Release, by: User, closes_at: datetime | None) -> Release:
    """Set (or clear) when a release closes; closing it now hides it from members at once."""
    if not may_manage_releases(by, release.cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can change a release.")
    release = Release.objects.select_for_update().get(pk=release.pk)
    if closes_at is not None and closes_at <= release.opens_at:
        raise ServiceError(
            "invalid",
            "closes_at must be after opens_at (when the release opens).",
            field="closes_at",
        )
    release.closes_at = closes_at
    release.save(update_fields=["closes_at"])
    return release


@transaction.atomic
def close_release(*, release: Release, by: User) -> Release:
    """Close a release now. One that has not opened yet is withdrawn instead."""
    if not may_manage_releases(by, release.cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can close a release.")
    now = timezone.now()
    if release.opens_at >= now:
        Release.objects.filter(pk=release.pk).update(opens_at=now - timedelta(seconds=1))
        release.opens_at = now - timedelta(seconds=1)
    return change_closing(release=release, by=by, closes_at=now)


# --- Groups -----------------------------------------------------------------------------------
def _sync_board(group: ScenarioGroup) -> None:
    set_board_audience(board=group.board, users=list(group.members.all()))


def _place_in_smallest_group(*, release: Release, user: User) -> ScenarioGroup:
    group = smallest_group(release=release)
    if group is None:
        return _new_group(release=release, members=[user])
    GroupMember.objects.create(group=group, release=release, user=user)
    _sync_board(group)
    return group


@transaction.atomic
def place_late_joiners(*, cohort: Cohort, users: Iterable[User]) -> list[ScenarioGroup]:
    """Members enrolled after a release go to its smallest group (for releases not closed)."""
    users = [
        user
        for user in users
        if Membership.objects.filter(cohort=cohort, user=user, role=Membership.Role.MEMBER).exists()
    ]
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
            placed.append(_place_in_smallest_group(release=release, user=user))
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
        raise ServiceError("invalid", f"{user.username} is not a member of this cohort.")
    current = GroupMember.objects.select_for_update().filter(release=release, user=user).first()
    if current is not None and current.group_id == to_group.pk:
        return to_group
    if current is not None:
        old_group = current.group
        current.delete()
        _sync_board(old_group)
    GroupMember.objects.create(group=to_group, release=release, user=user)
    _sync_board(to_group)
    return to_group


@transaction.atomic
def add_group(*, release: Release, by: User) -> ScenarioGroup:
    """A tutor adds an empty group, to move members into by hand."""
    if not is_tutor(by, release.cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can arrange groups.")
    return _new_group(release=release, members=[])


# --- Solutions --------------------------------------------------------------------------------
def _locked_solution_for_member(*, group: ScenarioGroup, user: User) -> Solution:
    solution = (
        Solution.objects.select_for_update(of=("self",))
        .select_related("group__release__cohort", "group__release__scenario")
        .get(group=group)
    )
    release = solution.group.release
    if not GroupMember.objects.filter(group=group, user=user).exists():
        if is_tutor(user, release.cohort):
            raise Forbidden("forbidden", "Only the group's members write its solution.")
        raise NotFound("There is no such group.")
    if not release.is_open():
        raise ServiceError("release_closed", "This scenario is closed: it can't be changed now.")
    return solution


@transaction.atomic
def save_solution(
    *, group: ScenarioGroup, author: User, body: str, base_version: int | None = None
) -> Solution:
    """Save the group's draft; every save is kept as a version with its author.

    ``base_version`` is the version the author started from: if someone else in the group
    saved since, the save is refused (409) rather than silently overwriting their words.
    """
    solution = _locked_solution_for_member(group=group, user=author)
    if solution.is_submitted:
        raise ServiceError(
            "already_submitted", "Your group has already submitted its solution.", status=409
        )
    body = _clean_text(body, field="body", what="solution")
    if base_version is not None and base_version != solution.version:
        last = solution.updated_by.shown_name if solution.updated_by else "someone"
        raise ServiceError(
            "edit_conflict",
            f"{last} saved the solution while you were editing (version {solution.version}). "
            "Your text was not saved: copy it, reload the page and merge the two.",
            status=409,
            current_version=solution.version,
        )
    if body == solution.body:
        return solution
    now = timezone.now()
    solution.version += 1
    solution.body = body
    solution.body_html = render_markdown(body)
    solution.updated_at = now
    solution.updated_by = author
    solution.save(update_fields=["version", "body", "body_html", "updated_at", "updated_by"])
    SolutionVersion.objects.create(
        solution=solution, number=solution.version, body=body, author=author, created_at=now
    )
    return solution


@transaction.atomic
def submit_solution(*, group: ScenarioGroup, by: User) -> Solution:
    """Submit the group's solution (once): the expert perspective opens for the group and the
    tutors are told."""
    solution = _locked_solution_for_member(group=group, user=by)
    if solution.is_submitted:
        when = timezone.localtime(solution.submitted_at).strftime("%-d %B at %H:%M")
        who = solution.submitted_by.shown_name if solution.submitted_by else "your group"
        raise ServiceError(
            "already_submitted",
            f"Your group's solution was already submitted on {when} by {who}.",
            status=409,
        )
    if not solution.body.strip():
        raise ServiceError("empty_solution", "Write and save your solution before submitting.")
    solution.status = Solution.Status.SUBMITTED
    solution.submitted_at = timezone.now()
    solution.submitted_by = by
    solution.save(update_fields=["status", "submitted_at", "submitted_by"])
    release = solution.group.release
    tutors = User.objects.filter(
        memberships__cohort=release.cohort, memberships__role=Membership.Role.TUTOR
    )
    for tutor in tutors:
        notify(
            user=tutor,
            kind=Notification.Kind.SYSTEM,
            title=f"{solution.group.name} submitted its solution to “{release.scenario.title}”",
            url=release_url(release),
            cohort=release.cohort,
        )
    return solution


@transaction.atomic
def give_feedback(*, solution: Solution, tutor: User, body: str) -> Feedback:
    """A tutor's feedback on a submitted solution; each member of the group is notified."""
    solution = (
        Solution.objects.select_for_update(of=("self",))
        .select_related("group__release__cohort", "group__release__scenario")
        .get(pk=solution.pk)
    )
    release = solution.group.release
    if not is_tutor(tutor, release.cohort):
        raise NotFound("There is no such solution.")
    if not solution.is_submitted:
        raise ServiceError(
            "not_submitted", "Feedback can be given once the group has submitted its solution."
        )
    body = _clean_text(body, field="body", what="feedback", limit=20_000)
    feedback = Feedback.objects.create(
        solution=solution, tutor=tutor, body=body, body_html=render_markdown(body)
    )
    for member in solution.group.members.all():
        notify(
            user=member,
            kind=Notification.Kind.FEEDBACK,
            title=f"Feedback on your group's solution to “{release.scenario.title}”",
            body=body[:300],
            url=release_url(release) + "#feedback",
            cohort=release.cohort,
        )
    return feedback


# --- Reflections ------------------------------------------------------------------------------
@transaction.atomic
def save_reflection(*, release: Release, author: User, body: str) -> Reflection:
    """A member's private reflection on a scenario (one per release, kept up to date)."""
    if not Membership.objects.filter(
        cohort=release.cohort, user=author, role=Membership.Role.MEMBER
    ).exists():
        raise NotFound("There is no such scenario.")
    if release.opens_at > timezone.now():
        raise NotFound("There is no such scenario.")
    body = _clean_text(body, field="body", what="reflection")
    now = timezone.now()
    reflection, created = Reflection.objects.select_for_update().get_or_create(
        release=release,
        author=author,
        defaults={
            "body": body,
            "body_html": render_markdown(body),
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        reflection.body = body
        reflection.body_html = render_markdown(body)
        reflection.updated_at = now
        reflection.save(update_fields=["body", "body_html", "updated_at"])
    return reflection


# --- Resource views ---------------------------------------------------------------------------
def record_scenario_view(*, user: User, page: ScenarioPage, access: ScenarioAccess) -> int:
    """Count a view for each cohort the member sees the scenario through (tutors don't count)."""
    counted = 0
    for cohort in access.member_cohorts:
        counted += record_resource_view(
            user=user, cohort=cohort, resource_kind=RESOURCE_SCENARIO, resource_id=page.pk
        )
    return counted


def record_document_download(*, user: User, document_id: int, access: ScenarioAccess) -> int:
    counted = 0
    for cohort in access.member_cohorts:
        counted += record_resource_view(
            user=user, cohort=cohort, resource_kind=RESOURCE_DOCUMENT, resource_id=document_id
        )
    return counted
