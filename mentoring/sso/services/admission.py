"""Who may come in through single sign-on for the first time, and what they join.

Nobody signs up to Staffroom alone (``mentoring.invitations``): a first sign-in through an
identity provider makes an account only for an address that has a pending invitation (one
sent by a tutor, or a roster row, which is an invitation too), or whose domain a cohort's
enabled join link names. Anything else is refused before an account exists. An open join link
without a domain list admits nobody here: that link is for people who have it, and a sign-in
through an IdP does not show that they do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mentoring.cohorts.services import enrol
from mentoring.core.errors import ServiceError
from mentoring.invitations.services.invitations import join_cohort
from mentoring.models import Cohort, Invitation, JoinLink, User
from mentoring.rules.permissions import cohort_is_writable

logger = logging.getLogger(__name__)


@dataclass
class Admission:
    """What lets an address in: its pending invitations and the join links of its domain."""

    email: str
    invitations: list[Invitation] = field(default_factory=list)
    join_links: list[JoinLink] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return bool(self.invitations or self.join_links)

    @property
    def first_cohort(self) -> Cohort | None:
        if self.invitations:
            return self.invitations[0].cohort
        if self.join_links:
            return self.join_links[0].cohort
        return None


def admission_for(email: str, *, now: datetime | None = None) -> Admission:
    now = now or timezone.now()
    email = (email or "").strip().lower()
    admission = Admission(email=email)
    if "@" not in email:
        return admission
    domain = email.rpartition("@")[2]
    admission.invitations = [
        invitation
        for invitation in Invitation.objects.select_related("cohort")
        .filter(
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("created_at", "pk")
        if cohort_is_writable(invitation.cohort)
    ]
    admission.join_links = [
        link
        for link in JoinLink.objects.select_related("cohort")
        .filter(enabled=True, allowed_domains__contains=[domain])
        .order_by("pk")
        if cohort_is_writable(link.cohort)
    ]
    return admission


@transaction.atomic
def admit(*, user: User, admission: Admission, now: datetime | None = None) -> None:
    """Enrol a new account where its admission says: each invitation is accepted (with its
    role), each join link of its domain joined (or asked, when it needs a tutor's approval)."""
    now = now or timezone.now()
    for invitation in admission.invitations:
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_open:
            continue
        enrol(cohort=invitation.cohort, users=[user], role=invitation.role)
        invitation.accepted_at = now
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    for link in admission.join_links:
        try:
            join_cohort(link=link, user=user)
        except ServiceError as error:  # turned off or archived since: the others still count
            logger.info("single sign-on: join link %s not joined: %s", link.pk, error)
