"""The socket of a cohort's dashboard (``/ws/cohorts/{id}/dashboard/``): participation rows
(``member.updated``) and the inbox's ``inbox.updated``, for those who may see participation."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.urls import path

from mentoring.models import Cohort
from mentoring.participation.events import dashboard_group
from mentoring.realtime.consumers import LiveConsumer, Subscription
from mentoring.rules.permissions import can_view_participation


@database_sync_to_async
def _may_watch_dashboard(user, cohort_id: int) -> bool:
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    return cohort is not None and can_view_participation(user, cohort)


class DashboardConsumer(LiveConsumer):
    async def authorize(self, user) -> Subscription | None:
        cohort_id = int(self.scope["url_route"]["kwargs"]["cohort_id"])
        if await _may_watch_dashboard(user, cohort_id):
            return Subscription(dashboard_group(cohort_id), "tutor", cohort_id)
        return None


websocket_urlpatterns = [
    path("ws/cohorts/<int:cohort_id>/dashboard/", DashboardConsumer.as_asgi()),
]
