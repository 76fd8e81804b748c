"""Participation's part of a member's data export: what the dashboard counts and shows tutors.

Status and alerts come from the dashboard's own selectors, worded as the tutors read them, so
the member sees exactly what their tutors see about them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mentoring.core.privacy import Provider
from mentoring.models import Membership, MemberWeek, Nudge, ReadEvent, ResourceView, User
from mentoring.participation.selectors import alerts as alert_rules
from mentoring.participation.selectors.rows import own_participation


def _as_tutors_see_it(user: User, now: datetime) -> list[dict[str, Any]]:
    out = []
    memberships = Membership.objects.filter(user=user, role=Membership.Role.MEMBER).order_by("pk")
    for cohort_id in memberships.values_list("cohort_id", flat=True):
        row = own_participation(user=user, cohort_id=cohort_id)
        if row is None:
            continue
        out.append(
            {
                "cohort": row.cohort.name,
                "status": row.status,
                "alerts": [
                    {"code": code, "label": label, "why": why}
                    for code, label, why in alert_rules.explanations(
                        row, cohort=row.cohort, now=now
                    )
                ],
                "posted_after_nudge": row.posted_after_nudge,
                "weekly_reads": [
                    {"week": w.week, "threads_read": w.reads}
                    for w in MemberWeek.objects.filter(membership=row).order_by("week")
                ],
            }
        )
    return out


def export_participation(user: User, now: datetime) -> dict[str, Any]:
    return {
        "as_tutors_see_it": _as_tutors_see_it(user, now),
        "reads": [
            {"thread_id": r.thread_id, "thread": r.thread.title, "read_at": r.created_at}
            for r in ReadEvent.objects.filter(user=user)
            .select_related("thread")
            .order_by("created_at", "pk")
        ],
        "resource_views": [
            {
                "cohort": v.cohort.name,
                "resource_kind": v.resource_kind,
                "resource_id": v.resource_id,
                "viewed_at": v.created_at,
            }
            for v in ResourceView.objects.filter(user=user)
            .select_related("cohort")
            .order_by("created_at", "pk")
        ],
        "nudges_received": [
            {
                "cohort": n.cohort.name,
                "from_tutor": n.tutor.shown_name,
                "message": n.message,
                "thread": n.thread.title if n.thread else None,
                "sent_at": n.created_at,
                "posted_after_at": n.converted_at,
            }
            for n in Nudge.objects.filter(member=user)
            .select_related("cohort", "tutor", "thread")
            .order_by("created_at", "pk")
        ],
        # A tutor's own nudges: to whom (by the name the tutor saw on the dashboard) and when.
        "nudges_sent": [
            {
                "cohort": n.cohort.name,
                "to_member": n.member.shown_name,
                "message": n.message,
                "sent_at": n.created_at,
            }
            for n in Nudge.objects.filter(tutor=user)
            .select_related("cohort", "member")
            .order_by("created_at", "pk")
        ],
    }


PRIVACY = Provider(
    name="participation",
    title="Your participation",
    description="Your participation status and alerts as your tutors see them, your reads, "
    "the resources you opened and the nudges you received.",
    covers={
        "mentoring.ReadEvent": ("user",),
        "mentoring.ResourceView": ("user",),
        "mentoring.Nudge": ("member", "tutor"),
    },
    export=export_participation,
    parts={
        "as_tutors_see_it": "Status and alerts as your tutors see them",
        "reads": "Threads you read",
        "resource_views": "Resources you opened",
        "nudges_received": "Nudges you received",
        "nudges_sent": "Nudges you sent",
    },
)
