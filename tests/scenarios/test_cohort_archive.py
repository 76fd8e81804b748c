"""An archived cohort's scenarios are read-only too: no releases, changes, solutions,
feedback or reflections (``cohort_archived``, refused in the services)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentoring.cohorts.services import archive_cohort
from mentoring.core.errors import Forbidden
from scenarios.services.releases import change_closing, close_release, release_scenario
from scenarios.services.solutions import save_reflection, save_solution

pytestmark = pytest.mark.django_db

WRITES = {
    "release": lambda c: release_scenario(
        cohort=c["cohort"], scenario=c["scenario"], by=c["tutor"]
    ),
    "change_closing": lambda c: change_closing(release=c["release"], by=c["tutor"], closes_at=None),
    "close_release": lambda c: close_release(release=c["release"], by=c["tutor"]),
    "save_solution": lambda c: save_solution(
        group=c["group"], author=c["members"][0], body="Our plan"
    ),
    "save_reflection": lambda c: save_reflection(
        release=c["release"], author=c["members"][0], body="I learnt"
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_scenario_writes_in_an_archived_cohort_are_refused(
    cohort, tutor, members, scenario, release, group, write
):
    archive_cohort(cohort=cohort, by=tutor, now=datetime(2025, 7, 20, 12, tzinfo=UTC))
    cohort.refresh_from_db()
    release.cohort = cohort
    context = {
        "cohort": cohort,
        "tutor": tutor,
        "members": members,
        "scenario": scenario,
        "release": release,
        "group": group,
    }
    with pytest.raises(Forbidden) as refused:
        write(context)
    assert refused.value.code == "cohort_archived"
