"""Releasing a scenario to a cohort, and changing when the release closes.

Plain functions with keyword-only arguments, each in one transaction and checking permission
itself, so the views, the API, the Wagtail admin and the demo seeder all get the same rules and
a refused request leaves nothing half-written.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from mentoring.boards.services.setup import set_board_window
from mentoring.core.errors import Conflict, Forbidden, Invalid
from mentoring.core.validation import SCHEDULE_HORIZON, storable_datetime, within_schedule_horizon
from mentoring.models import Board, Cohort, Notification, User
from mentoring.notifications.services.notifications import Notice, notify_many
from mentoring.rules.permissions import is_tutor, refuse_unless_cohort_writable
from scenarios.models import (
    DEFAULT_GROUP_SIZE,
    MAX_GROUP_SIZE,
    MIN_GROUP_SIZE,
    Release,
    ScenarioPage,
)
from scenarios.services.groups import (
    check_manual_groups,
    cohort_members,
    new_group,
    place_in_smallest_group,
    split_into_groups,
)


def may_manage_releases(user: User, cohort: Cohort) -> bool:
    """The cohort's tutors, and site administrators working in the Wagtail admin."""
    return is_tutor(user, cohort) or bool(user.is_active and user.is_superuser)


# --- Releases ---------------------------------------------------------------------------------
def _scenario_to_release(scenario: ScenarioPage | int | None) -> ScenarioPage:
    scenario_id = scenario.pk if isinstance(scenario, ScenarioPage) else scenario
    page = ScenarioPage.objects.filter(pk=scenario_id).first() if scenario_id else None
    if page is None:
        raise Invalid(
            "unknown_scenario", f"There is no scenario with id {scenario_id}.", field="scenario"
        )
    if not page.live:
        raise Invalid(
            "scenario_not_published",
            f"“{page.title}” is not published yet: publish it in the admin before releasing it.",
            field="scenario",
        )
    return page


def _check_within_horizon(value: datetime | None, *, field: str) -> None:
    """Releases are planned within a few years of now: a far-future date is a typo, and one past
    year 9999 in UTC cannot be stored at all."""
    if value is None:
        return
    try:
        storable_datetime(value)
    except ValueError as exc:
        raise Invalid("invalid", str(exc), field=field) from exc
    if not within_schedule_horizon(value):
        years = SCHEDULE_HORIZON.days // 366
        raise Invalid("invalid", f"{field} must be within {years} years of today.", field=field)


def _check_release_dates(opens_at: datetime, closes_at: datetime | None) -> None:
    _check_within_horizon(opens_at, field="opens_at")
    _check_within_horizon(closes_at, field="closes_at")
    if closes_at is None:
        return
    if closes_at <= opens_at:
        raise Invalid(
            "invalid",
            "closes_at must be after opens_at (when the release opens).",
            field="closes_at",
        )
    if closes_at <= timezone.now():
        raise Invalid("invalid", "closes_at is already in the past.", field="closes_at")


def _check_group_size(group_size: int) -> None:
    if not isinstance(group_size, int) or group_size < MIN_GROUP_SIZE:
        raise Invalid(
            "invalid", f"Groups need at least {MIN_GROUP_SIZE} people.", field="group_size"
        )
    if group_size > MAX_GROUP_SIZE:
        raise Invalid(
            "invalid", f"Groups can have at most {MAX_GROUP_SIZE} people.", field="group_size"
        )


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
    refuse_unless_cohort_writable(cohort)
    page = _scenario_to_release(scenario)
    opens_at = opens_at or timezone.now()
    _check_release_dates(opens_at, closes_at)
    _check_group_size(group_size)
    if grouping not in Release.Grouping.values:
        raise Invalid("invalid", "grouping must be 'random' or 'manual'.", field="grouping")
    if Release.objects.filter(cohort=cohort, scenario=page).exists():
        raise Conflict(
            "already_released",
            f"“{page.title}” has already been released to {cohort.name}.",
            field="scenario",
        )
    members = cohort_members(cohort)
    if grouping == Release.Grouping.MANUAL and groups is not None:
        arranged = check_manual_groups(members=members, groups=groups)
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
        raise Conflict(
            "already_released",
            f"“{page.title}” has already been released to {cohort.name}.",
        ) from exc
    for number, group_members in enumerate(arranged, start=1):
        new_group(release=release, members=group_members, number=number)
    placed = {user.pk for group_members in arranged for user in group_members}
    for user in members:
        if user.pk not in placed:
            place_in_smallest_group(release=release, user=user)
    if release.is_open():
        _announce_release(release=release, members=members)
    return release


def _announce_release(*, release: Release, members: Iterable[User]) -> None:
    notify_many(
        Notice(
            user=user,
            kind=Notification.Kind.SYSTEM,
            title=f"New scenario: {release.scenario.title}",
            body="Your group's board and shared solution are ready.",
            url=release.get_absolute_url(),
            cohort=release.cohort,
        )
        for user in members
    )


@transaction.atomic
def change_closing(*, release: Release, by: User, closes_at: datetime | None) -> Release:
    """Set (or clear) when a release closes; closing it now hides it from members at once."""
    if not may_manage_releases(by, release.cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can change a release.")
    refuse_unless_cohort_writable(release.cohort)
    _check_within_horizon(closes_at, field="closes_at")
    release = Release.objects.select_for_update().get(pk=release.pk)
    if closes_at is not None and closes_at <= release.opens_at:
        raise Invalid(
            "invalid",
            "closes_at must be after opens_at (when the release opens).",
            field="closes_at",
        )
    release.closes_at = closes_at
    release.save(update_fields=["closes_at"])
    sync_board_windows(release)
    return release


def sync_board_windows(release: Release) -> None:
    """The group boards open and close with the release (issue: hidden before, read-only after)."""
    set_board_window(
        boards=Board.objects.filter(scenario_group__release=release),
        opens_at=release.opens_at,
        closes_at=release.closes_at,
    )


@transaction.atomic
def close_release(*, release: Release, by: User) -> Release:
    """Close a release now. One that has not opened yet is withdrawn instead."""
    if not may_manage_releases(by, release.cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can close a release.")
    refuse_unless_cohort_writable(release.cohort)
    now = timezone.now()
    if release.opens_at >= now:
        Release.objects.filter(pk=release.pk).update(opens_at=now - timedelta(seconds=1))
        release.opens_at = now - timedelta(seconds=1)
    return change_closing(release=release, by=by, closes_at=now)
