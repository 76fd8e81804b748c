"""Reads shared by the members page and the API: invitations, batches, join requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mentoring.core.privacy import Provider
from mentoring.models import Cohort, Invitation, InvitationBatch, JoinLink, JoinRequest, User

INVITATION_ORDER = ("-pk",)


def invitations_queryset(*, cohort: Cohort) -> QuerySet[Invitation]:
    return Invitation.objects.filter(cohort=cohort)


def invitations_for(
    *, cohort: Cohort, limit: int, before_id: int | None = None
) -> list[Invitation]:
    """Newest first, ``limit`` of them, older than ``before_id`` (the cursor). One query."""
    queryset = Invitation.objects.filter(cohort=cohort).order_by("-pk")
    if before_id is not None:
        queryset = queryset.filter(pk__lt=before_id)
    return list(queryset[:limit])


def batch_progress(*, cohort: Cohort, batch_id: int) -> dict | None:
    """How many of a batch's e-mails the worker has sent. One query."""
    batch = (
        InvitationBatch.objects.filter(cohort=cohort, pk=batch_id)
        .annotate(sent=Count("invitations", filter=Q(invitations__sent_at__isnull=False)))
        .first()
    )
    if batch is None:
        return None
    return {
        "id": batch.pk,
        "total": batch.total,
        "sent": batch.sent,
        "done": batch.sent >= batch.total,
        "created_at": batch.created_at,
    }


def pending_join_requests(*, cohort: Cohort) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(
        cohort=cohort, status=JoinRequest.Status.PENDING
    ).select_related("user")


def join_link_of(*, cohort: Cohort) -> JoinLink | None:
    return JoinLink.objects.filter(cohort=cohort).first()


def status_counts(*, cohort: Cohort) -> dict[str, int]:
    """Invitations per status, counted in the database. One query."""
    now = timezone.now()
    open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    return Invitation.objects.filter(cohort=cohort).aggregate(
        pending=Count("pk", filter=open_ & Q(expires_at__gt=now)),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        expired=Count("pk", filter=open_ & Q(expires_at__lte=now)),
        revoked=Count("pk", filter=Q(accepted_at__isnull=True, revoked_at__isnull=False)),
    )


MEMBERS_PAGE_INVITATIONS = 100
DASHBOARD_INVITED = 50


def pending_invitations(*, cohort: Cohort, now=None) -> QuerySet[Invitation]:
    """Invitations whose link still works and that nobody has accepted yet."""
    return Invitation.objects.filter(
        cohort=cohort,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now or timezone.now(),
    )


def invited_not_joined(*, cohort: Cohort, limit: int = DASHBOARD_INVITED) -> dict:
    """For the participation dashboard: how many are invited and have not joined yet, and the
    first ``limit`` of them (oldest invitation first). Two queries; they are not members, so the
    member statuses and counts do not include them."""
    pending = pending_invitations(cohort=cohort)
    items = list(pending.order_by("created_at", "pk")[:limit])
    count = len(items) if len(items) < limit else pending.count()
    return {"count": count, "items": items, "more": count - len(items)}


def members_page(*, cohort: Cohort) -> dict:
    """What the members page shows about invitations and joining, in a few queries."""
    return {
        "invitations": invitations_for(cohort=cohort, limit=MEMBERS_PAGE_INVITATIONS),
        "invitation_counts": status_counts(cohort=cohort),
        "join_link": join_link_of(cohort=cohort),
        "join_requests": list(pending_join_requests(cohort=cohort)),
    }


# --- The member's data export (mentoring.privacy) --------------------------------------------
# Invitations to the person: the ones they accepted, and any sent to one of their addresses.
# A tutor's own invitations are listed without the invitees' addresses (other people's data).
def export_invitations(user: User, now: datetime) -> dict[str, Any]:
    addresses = {user.email.lower()} - {""}
    addresses |= {
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    received = (
        Invitation.objects.filter(Q(accepted_by=user) | Q(email__in=addresses))
        .select_related("cohort", "invited_by")
        .order_by("created_at", "pk")
    )
    return {
        "invitations_received": [
            {
                "cohort": i.cohort.name,
                "email": i.email,
                "name_given": i.invitee_name,
                "role": i.role,
                "invited_by": i.invited_by.shown_name if i.invited_by else None,
                "created_at": i.created_at,
                "sent_at": i.sent_at,
                "expires_at": i.expires_at,
                "accepted_at": i.accepted_at,
                "revoked_at": i.revoked_at,
                "status": i.status,
            }
            for i in received
        ],
        "join_requests": [
            {
                "cohort": r.cohort.name,
                "status": r.status,
                "created_at": r.created_at,
                "decided_at": r.decided_at,
            }
            for r in JoinRequest.objects.filter(user=user)
            .select_related("cohort")
            .order_by("created_at", "pk")
        ],
        "invitations_sent": [
            {
                "cohort": i.cohort.name,
                "role": i.role,
                "created_at": i.created_at,
                "status": i.status,
            }
            for i in Invitation.objects.filter(invited_by=user)
            .select_related("cohort")
            .order_by("created_at", "pk")
        ],
        "invitation_batches": [
            {
                "cohort": b.cohort.name,
                "source": b.source,
                "total": b.total,
                "created_at": b.created_at,
            }
            for b in InvitationBatch.objects.filter(created_by=user)
            .select_related("cohort")
            .order_by("created_at", "pk")
        ],
        "join_requests_decided": [
            {"cohort": r.cohort.name, "status": r.status, "decided_at": r.decided_at}
            for r in JoinRequest.objects.filter(decided_by=user)
            .select_related("cohort")
            .order_by("decided_at", "pk")
        ],
    }


PRIVACY = Provider(
    name="invitations",
    title="Invitations and joining",
    covers={
        "mentoring.Invitation": ("accepted_by", "invited_by"),
        "mentoring.InvitationBatch": ("created_by",),
        "mentoring.JoinRequest": ("user", "decided_by"),
    },
    export=export_invitations,
    parts={
        "invitations_received": "Invitations to you",
        "join_requests": "Your requests to join",
        "invitations_sent": "Invitations you sent (as a tutor)",
        "invitation_batches": "Invitation lists you sent (as a tutor)",
        "join_requests_decided": "Join requests you decided (as a tutor)",
    },
)
