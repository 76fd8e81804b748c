"""Counting a member's views of scenarios and downloads of their documents (participation)."""

from __future__ import annotations

from mentoring.models import User
from mentoring.participation.services.counters import record_resource_view
from scenarios.access import ScenarioAccess
from scenarios.models import ScenarioPage

RESOURCE_SCENARIO = "scenario"
RESOURCE_DOCUMENT = "document"


def record_scenario_view(*, user: User, page: ScenarioPage, access: ScenarioAccess) -> int:
    """Count a view for each cohort the member sees the scenario through (tutors don't count)."""
    counted = 0
    for cohort in access.member_cohorts:
        counted += record_resource_view(
            user=user, cohort=cohort, resource_kind=RESOURCE_SCENARIO, resource_id=page.pk
        )
    return counted


def record_document_download(*, user: User, document_id: int, access: ScenarioAccess) -> int:
    counted = 0
    for cohort in access.member_cohorts:
        counted += record_resource_view(
            user=user, cohort=cohort, resource_kind=RESOURCE_DOCUMENT, resource_id=document_id
        )
    return counted
