"""Scenarios in the JSON API: what is released to a cohort, a scenario's content, releasing.

Scenario pages are never public, so the API asks the same selectors as the pages: what the
caller may not open answers 404, and reading a scenario counts as a resource view.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router
from wagtail.documents import get_document_model

from mentoring.cohorts.selectors import visible_cohort
from mentoring.core.api import (
    CURSOR_QUERY_DESCRIPTION,
    api_fields,
    api_page,
    found,
    limit_query,
)
from mentoring.core.errors import Forbidden, Invalid
from mentoring.core.pagination import PageSize
from mentoring.models import Membership, User
from scenarios import selectors
from scenarios.blocks import EXPERT_STAGE
from scenarios.models import Release, ScenarioGroup, ScenarioPage
from scenarios.schemas import ReleasedScenarioOut, ReleaseIn, ReleaseOut, ScenarioOut
from scenarios.services import releases, resources

router = Router(tags=["scenarios"])


def _my_group(group: ScenarioGroup | None) -> dict | None:
    if group is None:
        return None
    solution = getattr(group, "solution", None)
    return {
        "id": group.pk,
        "name": group.name,
        "board_id": group.board_id,
        "solution_status": solution.status if solution else "draft",
    }


def _about(page: ScenarioPage, request: HttpRequest) -> dict:
    """The fields every scenario payload starts with (``ScenarioFields``)."""
    return {
        "id": page.pk,
        "title": page.title,
        "url": page.get_url(request) or "",
        "summary": page.summary,
        "phase": page.phase,
        "expected_minutes": page.expected_minutes,
        "tags": [tag.name for tag in page.tags.all()],
    }


def _released(release: Release, request: HttpRequest, group: ScenarioGroup | None) -> dict:
    return {
        **_about(release.scenario, request),
        "release_id": release.pk,
        "opens_at": release.opens_at,
        "closes_at": release.closes_at,
        "status": release.status,
        "group": _my_group(group),
    }


def _stages(page: ScenarioPage, *, expert_unlocked: bool) -> list[dict[str, Any]]:
    """The body as JSON; the expert perspective's content only once it is unlocked."""
    documents = get_document_model().objects.in_bulk(page.document_ids())
    stages = []
    for block in page.body:
        if block.block_type == EXPERT_STAGE and not expert_unlocked:
            stages.append({"type": block.block_type, "id": block.id, "locked": True, "value": None})
            continue
        value = block.block.get_api_representation(block.value)
        if block.block_type == "evidence":
            for item in value.get("items", []):
                if item.get("type") == "document":
                    document = documents.get(item["value"].get("document"))
                    item["value"]["document"] = document and {
                        "id": document.pk,
                        "title": document.title,
                        "url": reverse(
                            "scenarios:document",
                            kwargs={"page_id": page.pk, "document_id": document.pk},
                        ),
                    }
        stages.append({"type": block.block_type, "id": block.id, "locked": False, "value": value})
    return stages


RELEASES_PAGE = PageSize(default=100, maximum=500)


@router.get("/cohorts/{cohort_id}/scenarios", response=list[ReleasedScenarioOut])
def cohort_scenarios(
    request,
    response: HttpResponse,
    cohort_id: int,
    limit: int = limit_query(RELEASES_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
):
    """Scenarios released to the cohort, latest first: members see only those already open.
    Paged (``Link: rel="next"``)."""
    user: User = request.auth
    cohort = found(visible_cohort(user=user, cohort_id=cohort_id))
    page, _ = api_page(
        request,
        response,
        selectors.releases_for_cohort(user=user, cohort=cohort).prefetch_related("scenario__tags"),
        order=["-opens_at", "-id"],
        size=RELEASES_PAGE,
        limit=limit,
        cursor=cursor,
    )
    releases = page.items
    groups = {
        group.release_id: group
        for group in ScenarioGroup.objects.filter(
            release__in=releases, placements__user=user
        ).select_related("solution")
    }
    return [_released(release, request, groups.get(release.pk)) for release in releases]


@router.get("/scenarios/{scenario_id}", response=ScenarioOut)
def scenario_detail(request, scenario_id: int):
    """A scenario's content; counts as a resource view for each cohort the member sees it in."""
    user: User = request.auth
    page = found(ScenarioPage.objects.live().filter(pk=scenario_id).first())
    access = selectors.scenario_access(user=user, page=page)
    if not access.can_view:
        found(None)
    resources.record_scenario_view(user=user, page=page, access=access)
    releases = access.member_releases or access.tutor_releases
    return {
        **_about(page, request),
        "expert_unlocked": access.expert_unlocked,
        "stages": _stages(page, expert_unlocked=access.expert_unlocked),
        "releases": [
            _released(release, request, access.groups.get(release.pk)) for release in releases
        ],
    }


@router.post("/cohorts/{cohort_id}/releases", response={201: ReleaseOut})
def create_release(request, cohort_id: int, data: ReleaseIn):
    """Release a published scenario to the cohort, now or at ``opens_at``, and form groups."""
    user: User = request.auth
    cohort = found(visible_cohort(user=user, cohort_id=cohort_id))
    # Who may release comes before any username lookup: a member must not learn which
    # usernames exist from the error.
    if not releases.may_manage_releases(user, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can release scenarios to it.")
    groups = None
    if data.groups is not None:
        wanted = {name for group in data.groups for name in group}
        # Only the cohort's members are looked up, so the refusal is the same for a username
        # that exists elsewhere and one that does not.
        users = {
            u.username: u
            for u in User.objects.filter(
                username__in=wanted,
                memberships__cohort=cohort,
                memberships__role=Membership.Role.MEMBER,
            )
        }
        unknown = sorted(wanted - set(users))
        if unknown:
            raise Invalid(
                "unknown_users",
                "These usernames are not members of this cohort: " + ", ".join(unknown) + ".",
                field="groups",
            )
        groups = [[users[name] for name in group] for group in data.groups]
    with api_fields({"scenario": "scenario_id"}):
        release = releases.release_scenario(
            cohort=cohort,
            scenario=data.scenario_id,
            by=user,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            group_size=data.group_size,
            grouping=data.grouping,
            groups=groups,
        )
    page = release.scenario
    return 201, {
        "id": release.pk,
        "cohort_id": cohort.pk,
        "scenario_id": page.pk,
        "title": page.title,
        "url": page.get_url(request) or "",
        "opens_at": release.opens_at,
        "closes_at": release.closes_at,
        "group_size": release.group_size,
        "grouping": release.grouping,
        "status": release.status,
        "groups": [
            {
                "id": group.pk,
                "name": group.name,
                "board_id": group.board_id,
                "members": [member.username for member in group.members.all()],
                "solution_status": group.solution.status,
            }
            for group in selectors.groups_of_release(release=release)
        ],
    }
