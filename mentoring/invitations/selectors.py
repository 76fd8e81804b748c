"""Reads shared by the members page and the API: invitations, batches, join requests."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mentoring.models import Cohort, Invitation, InvitationBatch, JoinLink, JoinRequest

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
