"""Roster import, invitations and member removal for tutors (``/api/v1/``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from mentoring.cohorts import services as cohort_services
from mentoring.cohorts.selectors import visible_cohort
from mentoring.core.api import (
    CURSOR_QUERY_DESCRIPTION,
    api_page,
    found,
    limit_query,
)
from mentoring.core.errors import Forbidden, Invalid, NotFound
from mentoring.core.pagination import PageSize
from mentoring.invitations import selectors
from mentoring.invitations.schemas import (
    BatchOut,
    InvitationOut,
    InvitationsIn,
    RosterErrorOut,
    RosterReportOut,
)
from mentoring.invitations.services import invitations as services
from mentoring.models import Cohort, Invitation, Membership, User
from mentoring.rules.permissions import is_tutor

router = Router(tags=["invitations"])

INVITATIONS_PAGE = PageSize(default=100, maximum=1000)


def _tutored(request: HttpRequest, cohort_id: int) -> Cohort:
    """The cohort, if the caller tutors it: 404 if they cannot see it, 403 if only a member."""
    cohort = found(visible_cohort(user=request.auth, cohort_id=cohort_id))
    if not is_tutor(request.auth, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can do this.")
    return cohort


def _report(report: services.RosterReport) -> dict:
    return {
        "rows": [
            {"line": r.line, "email": r.email, "outcome": r.outcome, "detail": r.detail}
            for r in report.rows
        ],
        "counts": report.counts,
        "warnings": report.warnings,
        "columns": report.columns,
        "batch_id": report.batch.pk if report.batch else None,
    }


def _rejected(error: services.RosterRejected):
    body = _report(error.report)
    body.pop("batch_id")
    return 400, {"code": error.code, "detail": error.detail, **body}


@router.post(
    "/cohorts/{cohort_id}/roster",
    response={200: RosterReportOut, 201: RosterReportOut, 400: RosterErrorOut},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "A CSV as Excel, Moodle, Canvas, Blackboard, Google or Microsoft 365 "
            "export it: UTF-8 (BOM allowed), UTF-16 with BOM or Windows-1252; comma, semicolon "
            "or tab. Headers in any case and punctuation: email (or Email address, E-mail, "
            "Mail, User principal name…), first_name, last_name, display_name (or Name; "
            '"Last, First" is turned round), role (member or tutor, or Student, Teacher, TA…). '
            "Other columns are ignored and listed in warnings.",
        }
    },
)
def import_roster(request: HttpRequest, cohort_id: int, dry_run: bool = False):
    """Dry run (200) shows what each row would do; otherwise 201 when every row is committed,
    or 400 with the same report and nothing written when any row is an error.

    Outcomes speak only of this cohort: an address with an account outside the caller's cohorts
    is invited like any other (``invite``); ``enrol`` is for people already in another cohort
    the caller tutors. Rate-limited per tutor (429 ``rate_limited`` with ``Retry-After``)."""
    cohort = _tutored(request, cohort_id)
    try:
        report = services.import_roster(
            cohort=cohort, by=request.auth, data=request.body, dry_run=dry_run
        )
    except services.RosterRejected as error:
        return _rejected(error)
    return (200 if dry_run else 201), _report(report)


def _invitation_out(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "status": invitation.status,
        "sent_at": invitation.sent_at,
        "role": invitation.role,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "accepted_at": invitation.accepted_at,
        "enrolled_existing": invitation.enrolled_existing,
    }


@router.get("/cohorts/{cohort_id}/invitations", response=list[InvitationOut])
def list_invitations(
    request: HttpRequest,
    response: HttpResponse,
    cohort_id: int,
    limit: int = limit_query(INVITATIONS_PAGE),
    cursor: str | None = Query(None, description=CURSOR_QUERY_DESCRIPTION),
):
    """Newest first; paged (``Link: rel="next"``)."""
    cohort = _tutored(request, cohort_id)
    page, _ = api_page(
        request,
        response,
        selectors.invitations_queryset(cohort=cohort),
        order=selectors.INVITATION_ORDER,
        size=INVITATIONS_PAGE,
        limit=limit,
        cursor=cursor,
    )
    return [_invitation_out(i) for i in page.items]


@router.post(
    "/cohorts/{cohort_id}/invitations",
    response={201: RosterReportOut, 400: RosterErrorOut},
)
def invite(request: HttpRequest, cohort_id: int, data: InvitationsIn):
    """Invite addresses by e-mail. People already in another cohort the caller tutors are
    enrolled instead; every other address is invited, account or not (the roster's rule)."""
    cohort = _tutored(request, cohort_id)
    if data.role not in ("member", "tutor"):
        raise Invalid("invalid", "role must be member or tutor.")
    try:
        report = services.invite_emails(
            cohort=cohort, by=request.auth, emails=data.emails, role=data.role
        )
    except services.RosterRejected as error:
        return _rejected(error)
    return 201, _report(report)


@router.get("/cohorts/{cohort_id}/invitation-batches/{batch_id}", response=BatchOut)
def batch_progress(request: HttpRequest, cohort_id: int, batch_id: int):
    cohort = _tutored(request, cohort_id)
    return found(selectors.batch_progress(cohort=cohort, batch_id=batch_id))


@router.delete("/invitations/{invitation_id}", response={204: None})
def revoke(request: HttpRequest, invitation_id: int):
    invitation = Invitation.objects.select_related("cohort").filter(pk=invitation_id).first()
    if invitation is None or not is_tutor(request.auth, invitation.cohort):
        raise NotFound()
    services.revoke_invitation(invitation=invitation, by=request.auth)
    return 204, None


@router.delete("/cohorts/{cohort_id}/members/{user_id}", response={204: None})
def remove_member(request: HttpRequest, cohort_id: int, user_id: int):
    """The member leaves the cohort; their posts stay."""
    cohort = _tutored(request, cohort_id)
    membership = Membership.objects.filter(cohort=cohort, user_id=user_id).first()
    if membership is None:
        raise NotFound()
    if user_id == request.auth.pk:
        raise Invalid("invalid", "You cannot remove yourself from a cohort you tutor.")
    cohort_services.remove_membership(cohort=cohort, user=User.objects.get(pk=user_id))
    return 204, None
