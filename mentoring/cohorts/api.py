"""Cohorts and their members."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from mentoring.cohorts import services as cohort_services
from mentoring.cohorts.selectors import cohorts_for, visible_cohort
from mentoring.core.api import (
    CURSOR_QUERY_DESCRIPTION,
    api_page,
    found,
    limit_query,
)
from mentoring.core.errors import Invalid
from mentoring.core.pagination import PageSize
from mentoring.models import Cohort, Membership
from mentoring.rules.permissions import is_tutor

router = Router(tags=["cohorts"])


class CohortOut(Schema):
    id: int
    name: str
    kind: str
    role: str
    edit_grace_seconds: int
    reader_threshold: int
    allow_anonymous_to_peers: bool
    quiet_days: int
    never_started_days: int
    unanswered_hours: int


class CohortIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    tutors: list[str] = Field(..., min_length=1)
    kind: str = Cohort.Kind.INDUCTION


class CohortPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    edit_grace_seconds: int | None = Field(None, ge=0, le=86400)
    reader_threshold: int | None = Field(None, ge=1)
    allow_anonymous_to_peers: bool | None = None
    nudge_template: str | None = Field(None, max_length=5000)
    quiet_days: int | None = Field(None, ge=1, le=365, description="Default 14.")
    never_started_days: int | None = Field(None, ge=1, le=365, description="Default 7.")
    unanswered_hours: int | None = Field(None, ge=1, le=1440, description="Default 48.")


class MembersIn(Schema):
    usernames: list[str] = Field(..., min_length=1)


class MemberOut(Schema):
    user_id: int
    username: str
    display_name: str
    role: str


def _cohort_out(cohort: Cohort, role: str) -> dict:
    return {
        "id": cohort.pk,
        "name": cohort.name,
        "kind": cohort.kind,
        "role": role,
        "edit_grace_seconds": cohort.edit_grace_seconds,
        "reader_threshold": cohort.reader_threshold,
        "allow_anonymous_to_peers": cohort.allow_anonymous_to_peers,
        "quiet_days": cohort.quiet_days,
        "never_started_days": cohort.never_started_days,
        "unanswered_hours": cohort.unanswered_hours,
    }


COHORTS_PAGE = PageSize(default=100, maximum=500)


@router.get("/cohorts", response=list[CohortOut])
def list_cohorts(
    request,
    response: HttpResponse,
    limit: int = limit_query(COHORTS_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
):
    """The cohorts the caller belongs to or tutors, by name; paged (``Link: rel="next"``)."""
    page, _ = api_page(
        request,
        response,
        cohorts_for(user=request.auth),
        order=["cohort__name", "id"],
        size=COHORTS_PAGE,
        limit=limit,
        cursor=cursor,
    )
    return [_cohort_out(m.cohort, m.role) for m in page.items]


@router.post("/cohorts", response={201: CohortOut})
def create_cohort(request, data: CohortIn):
    if data.kind not in Cohort.Kind.values:
        raise Invalid("invalid", f"kind must be one of {', '.join(Cohort.Kind.values)}.")
    cohort = cohort_services.create_cohort_by_usernames(
        name=data.name, tutors=data.tutors, created_by=request.auth, kind=data.kind
    )
    role = Membership.Role.TUTOR if is_tutor(request.auth, cohort) else "staff"
    return 201, _cohort_out(cohort, role)


@router.get("/cohorts/{cohort_id}", response=CohortOut)
def get_cohort(request, cohort_id: int):
    cohort = found(visible_cohort(user=request.auth, cohort_id=cohort_id))
    role = Membership.Role.TUTOR if is_tutor(request.auth, cohort) else Membership.Role.MEMBER
    return _cohort_out(cohort, role)


@router.patch("/cohorts/{cohort_id}", response=CohortOut)
def update_cohort(request, cohort_id: int, data: CohortPatch):
    cohort = found(visible_cohort(user=request.auth, cohort_id=cohort_id))
    changes = data.dict(exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise Invalid("invalid", "Settings cannot be set to null.")
    cohort = cohort_services.update_cohort_settings(cohort=cohort, by=request.auth, **changes)
    return _cohort_out(cohort, Membership.Role.TUTOR)


@router.post("/cohorts/{cohort_id}/members", response={201: list[MemberOut]})
def enrol_members(request, cohort_id: int, data: MembersIn):
    cohort = found(visible_cohort(user=request.auth, cohort_id=cohort_id))
    memberships = cohort_services.enrol_members(
        cohort=cohort, usernames=data.usernames, by=request.auth
    )
    return 201, [
        {
            "user_id": m.user_id,
            "username": m.user.username,
            "display_name": m.user.shown_name,
            "role": m.role,
        }
        for m in memberships
    ]
