"""Reads shared by the scenario pages, views and API: who may open what, and what they see."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from mentoring.core.privacy import Provider
from mentoring.lti.selectors import Placement as LtiPlacement
from mentoring.models import Cohort, Membership, User
from mentoring.rules.permissions import can_view_cohort, is_tutor
from scenarios.access import ScenarioAccess
from scenarios.models import (
    Feedback,
    GroupMember,
    ModulePage,
    Reflection,
    Release,
    ScenarioGroup,
    ScenarioPage,
    Solution,
    SolutionUpdate,
    SolutionVersion,
)


def is_scenario_editor(*, user: User, page) -> bool:
    """Wagtail editors (and authors of the page's module) see every scenario, released or not."""
    if not user.is_authenticated or not user.is_active:
        return False
    return page.permissions_for_user(user).can_edit()


def scenario_access(*, user: User, page: ScenarioPage) -> ScenarioAccess:
    access = ScenarioAccess(is_editor=is_scenario_editor(user=user, page=page))
    if not user.is_authenticated:
        return access
    roles = dict(
        Membership.objects.filter(user=user, cohort__scenario_releases__scenario=page).values_list(
            "cohort_id", "role"
        )
    )
    if not roles:
        return access
    now = timezone.now()
    releases = (
        Release.objects.filter(scenario=page, cohort_id__in=roles)
        .select_related("cohort")
        .order_by("opens_at", "id")
    )
    for release in releases:
        if roles[release.cohort_id] == Membership.Role.TUTOR:
            access.tutor_releases.append(release)
        elif release.is_open(now):
            access.member_releases.append(release)
    if access.member_releases:
        groups = ScenarioGroup.objects.filter(
            release__in=access.member_releases, placements__user=user
        ).select_related("solution", "board")
        access.groups = {group.release_id: group for group in groups}
    return access


def scenarios_in_module_for(*, user: User, module: ModulePage) -> list[ScenarioPage]:
    """The live scenarios of a module the user may open (editors: all of them)."""
    scenarios = ScenarioPage.objects.live().child_of(module).specific().order_by("path")
    if user.is_authenticated and module.permissions_for_user(user).can_edit():
        return list(scenarios)
    return list(scenarios.filter(pk__in=visible_scenario_ids(user=user)))


def visible_scenario_ids(*, user: User) -> QuerySet:
    """Ids of scenario pages released to a cohort the user tutors, or open to one they're in."""
    if not user.is_authenticated:
        return Release.objects.none().values("scenario_id")
    tutored = Release.objects.filter(
        cohort__memberships__user=user, cohort__memberships__role=Membership.Role.TUTOR
    )
    joined = Release.objects.open_at().filter(
        cohort__memberships__user=user, cohort__memberships__role=Membership.Role.MEMBER
    )
    return (tutored | joined).values("scenario_id")


def releases_for_cohort(*, user: User, cohort: Cohort) -> QuerySet[Release]:
    """Releases of ``cohort``: all of them for tutors, open ones for members, none otherwise."""
    if not can_view_cohort(user, cohort):
        return Release.objects.none()
    releases = Release.objects.filter(cohort=cohort, scenario__live=True).select_related(
        "scenario", "cohort"
    )
    if not is_tutor(user, cohort):
        releases = releases.open_at()
    return releases.order_by("-opens_at", "-id")


def releases_for_user(*, user: User) -> QuerySet[Release]:
    """Every release the user can open across their cohorts (the "my scenarios" list)."""
    if not user.is_authenticated:
        return Release.objects.none()
    tutored = Release.objects.filter(
        cohort__memberships__user=user, cohort__memberships__role=Membership.Role.TUTOR
    )
    joined = Release.objects.open_at().filter(
        cohort__memberships__user=user, cohort__memberships__role=Membership.Role.MEMBER
    )
    return (
        Release.objects.filter(pk__in=(tutored | joined).values("pk"), scenario__live=True)
        .select_related("scenario", "cohort")
        .order_by("-opens_at", "-id")
    )


def visible_release(*, user: User, release_id: int) -> Release | None:
    """The release if the user tutors its cohort, or is a member and it is open; else None."""
    release = (
        Release.objects.select_related("cohort", "scenario", "created_by")
        .filter(pk=release_id)
        .first()
    )
    if release is None or not can_view_cohort(user, release.cohort):
        return None
    if is_tutor(user, release.cohort) or release.is_open():
        return release
    return None


def group_of(*, user: User, release: Release) -> ScenarioGroup | None:
    return (
        ScenarioGroup.objects.filter(release=release, placements__user=user)
        .select_related("solution", "board")
        .first()
    )


def groups_of_release(*, release: Release) -> list[ScenarioGroup]:
    """Groups with their members, solution, latest feedback: the tutor's overview in 3 queries."""
    return list(
        ScenarioGroup.objects.filter(release=release)
        .select_related("solution", "board")
        .prefetch_related(
            Prefetch("members", queryset=User.objects.order_by("display_name", "username"))
        )
        .annotate(member_count=Count("placements"))
        .order_by("id")
    )


def smallest_group(*, release: Release) -> ScenarioGroup | None:
    """Where a late joiner goes: the group with fewest members (the oldest of equals)."""
    return (
        ScenarioGroup.objects.filter(release=release)
        .annotate(member_count=Count("placements"))
        .order_by("member_count", "id")
        .first()
    )


def visible_group(*, user: User, group_id: int) -> ScenarioGroup | None:
    """A group its members may open while the release is open; its cohort's tutors always."""
    group = (
        ScenarioGroup.objects.select_related("release__cohort", "release__scenario", "board")
        .filter(pk=group_id)
        .first()
    )
    if group is None:
        return None
    release = group.release
    if is_tutor(user, release.cohort):
        return group
    if (
        release.is_open()
        and user.is_authenticated
        and GroupMember.objects.filter(group=group, user=user).exists()
    ):
        return group
    return None


def solution_with_history(*, group: ScenarioGroup) -> Solution:
    return (
        Solution.objects.select_related("updated_by", "submitted_by")
        .prefetch_related("versions__author", "feedback__tutor", "feedback__version")
        .get(group=group)
    )


def reflections_visible_to(*, user: User, release: Release) -> QuerySet[Reflection]:
    """Reflections are private: a member sees their own, the cohort's tutors see them all."""
    reflections = Reflection.objects.filter(release=release).select_related("author")
    if is_tutor(user, release.cohort):
        return reflections
    if not user.is_authenticated:
        return Reflection.objects.none()
    return reflections.filter(author=user)


def reflections_for_author(*, user: User) -> QuerySet[Reflection]:
    """A member's own reflections across scenarios: their portfolio."""
    return (
        Reflection.objects.filter(author=user)
        .select_related("release__scenario", "release__cohort")
        .order_by("-updated_at")
    )


# --- The member's data export (mentoring.privacy's registry; registered in scenarios.apps) ---
def export_scenarios(user: User, now: datetime) -> dict[str, Any]:
    """The person's groups, the solution versions they saved, their reflections, and (for a
    tutor) the releases they made and the feedback they wrote."""
    return {
        "groups": [
            {
                "scenario": p.release.scenario.title,
                "cohort": p.release.cohort.name,
                "group": p.group.name,
                "added_at": p.added_at,
            }
            for p in GroupMember.objects.filter(user=user)
            .select_related("group", "release__scenario", "release__cohort")
            .order_by("added_at", "pk")
        ],
        "solution_versions": [
            {
                "scenario": v.solution.group.release.scenario.title,
                "group": v.solution.group.name,
                "number": v.number,
                "body": v.body,
                "saved_at": v.created_at,
            }
            for v in SolutionVersion.objects.filter(author=user)
            .select_related("solution__group__release__scenario")
            .order_by("created_at", "pk")
        ],
        "solutions_last_saved_or_submitted": [
            {
                "scenario": s.group.release.scenario.title,
                "group": s.group.name,
                "status": s.status,
                "you_saved_it_last": s.updated_by_id == user.pk,
                "you_submitted_it": s.submitted_by_id == user.pk,
                "updated_at": s.updated_at,
                "submitted_at": s.submitted_at,
            }
            for s in Solution.objects.filter(Q(updated_by=user) | Q(submitted_by=user))
            .select_related("group__release__scenario")
            .order_by("pk")
        ],
        # The live solution (issue 22): your share of each version, and your changes typed
        # since the last version (each stored with you as its author until a version holds it).
        "solution_contributions": [
            {
                "scenario": v.solution.group.release.scenario.title,
                "group": v.solution.group.name,
                "version": v.number,
                "characters_added": share["inserted"],
                "characters_removed": share["deleted"],
            }
            for v in SolutionVersion.objects.filter(contributions__contains=[{"user_id": user.pk}])
            .select_related("solution__group__release__scenario")
            .order_by("created_at", "pk")
            for share in v.contributions
            if share["user_id"] == user.pk
        ],
        "solution_changes_since_the_last_version": [
            {"group": row["solution__group__name"], "changes": row["n"]}
            for row in SolutionUpdate.objects.filter(author=user)
            .values("solution__group__name")
            .annotate(n=Count("pk"))
            .order_by("solution__group__name")
        ],
        "reflections": [
            {
                "scenario": r.release.scenario.title,
                "cohort": r.release.cohort.name,
                "body": r.body,
                "created_at": r.created_at,
                "updated_at": r.updated_at,
            }
            for r in reflections_for_author(user=user).order_by("created_at", "pk")
        ],
        "releases_made": [
            {"scenario": r.scenario.title, "cohort": r.cohort.name, "created_at": r.created_at}
            for r in Release.objects.filter(created_by=user)
            .select_related("scenario", "cohort")
            .order_by("created_at", "pk")
        ],
        "feedback_written": [
            {"group": f.solution.group.name, "body": f.body, "created_at": f.created_at}
            for f in Feedback.objects.filter(tutor=user)
            .select_related("solution__group")
            .order_by("created_at", "pk")
        ],
    }


PRIVACY = Provider(
    name="scenarios",
    title="Scenarios",
    description="Your scenario groups, the solution versions you saved and your reflections.",
    covers={
        "scenarios.GroupMember": ("user",),
        "scenarios.ScenarioGroup": ("members",),
        "scenarios.SolutionVersion": ("author",),
        "scenarios.Solution": ("updated_by", "submitted_by"),
        "scenarios.SolutionUpdate": ("author",),
        "scenarios.Reflection": ("author",),
        "scenarios.Release": ("created_by",),
        "scenarios.Feedback": ("tutor",),
    },
    export=export_scenarios,
    parts={
        "groups": "Your groups",
        "solution_versions": "Solution versions you saved",
        "solutions_last_saved_or_submitted": "Solutions you last saved or submitted",
        "solution_contributions": "Your share of each version of your group's solution",
        "solution_changes_since_the_last_version": "Your changes not yet in a version",
        "reflections": "Your reflections",
        "releases_made": "Scenarios you released (as a tutor)",
        "feedback_written": "Feedback you wrote (as a tutor)",
    },
)


# --- History of the live solution (issue 22) --------------------------------------------------
def solution_versions(*, solution: Solution) -> list[SolutionVersion]:
    """Newest first, each with ``shares``: who changed what since the version before, by the
    names the group sees."""
    versions = list(solution.versions.select_related("author").order_by("-number"))
    ids = {share["user_id"] for v in versions for share in v.contributions if share["user_id"]}
    names = {user.pk: user.shown_name for user in User.objects.filter(pk__in=ids)}
    for version in versions:
        version.shares = [
            {**share, "name": names.get(share["user_id"], "a former member")}
            for share in version.contributions
        ]
    return versions


def solution_version(*, solution: Solution, number: int) -> SolutionVersion | None:
    return solution.versions.select_related("author").filter(number=number).first()


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line by line, ``(tag, line)`` with tag ``same``, ``added`` or ``removed`` (difflib): the
    page shows it without JavaScript."""
    lines: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [("same", line) for line in matcher.a[i1:i2]]
            continue
        lines += [("removed", line) for line in matcher.a[i1:i2]]
        lines += [("added", line) for line in matcher.b[j1:j2]]
    return lines


def lti_placements(cohort: Cohort) -> list[LtiPlacement]:
    """Scenarios released to ``cohort`` (opened already), as places a platform's link may open
    (mentoring.lti's deep linking and launches; registered in ``ScenariosConfig.ready``)."""
    from django.urls import reverse

    releases = (
        Release.objects.filter(cohort=cohort, opens_at__lte=timezone.now())
        .select_related("scenario")
        .order_by("opens_at", "id")
    )
    return [
        LtiPlacement(
            f"release:{release.pk}",
            f"Scenario: {release.scenario.title}",
            reverse("scenarios:release", kwargs={"release_id": release.pk}),
        )
        for release in releases
    ]
