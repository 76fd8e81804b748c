"""The socket of a cohort's dashboard (``/ws/cohorts/{id}/dashboard/``): participation rows
(``member.updated``) and the inbox's ``inbox.updated``, for those who may see participation."""

from __future__ import annotations

from django.urls import path

from mentoring.core.batching import Batched
from mentoring.models import Cohort
from mentoring.participation.events import dashboard_group
from mentoring.realtime.consumers import LiveConsumer, Subscription
from mentoring.rules.permissions import can_view_participation, prime_roles


def _dashboard_watchers(pairs: list) -> dict:
    """(user, cohort id) → whether they may watch its dashboard, for the sockets opening
    together: two queries whatever their number."""
    cohorts = Cohort.objects.in_bulk({cohort_id for _, cohort_id in pairs})
    prime_roles((user, cohort_id) for user, cohort_id in pairs if cohort_id in cohorts)
    return {
        (user, cohort_id): cohort_id in cohorts and can_view_participation(user, cohorts[cohort_id])
        for user, cohort_id in pairs
    }


_may_watch_dashboard = Batched(_dashboard_watchers, default=False)


class DashboardConsumer(LiveConsumer):
    async def authorize(self, user) -> Subscription | None:
        cohort_id = int(self.scope["url_route"]["kwargs"]["cohort_id"])
        if await _may_watch_dashboard((user, cohort_id)):
            return Subscription(dashboard_group(cohort_id), "tutor", cohort_id)
        return None


websocket_urlpatterns = [
    path("ws/cohorts/<int:cohort_id>/dashboard/", DashboardConsumer.as_asgi()),
]
