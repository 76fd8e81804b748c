"""``seed_demo`` shows the tutor's week: an inbox, each alert, scheduled prompts, same mix."""

import pytest
from django.core.management import call_command

from mentoring.inbox.selectors import cohort_inbox
from mentoring.models import Cohort, Thread
from mentoring.participation.selectors.rows import member_rows

pytestmark = pytest.mark.django_db


def test_demo_cohort_has_an_inbox_alerts_and_scheduled_prompts(wagtail_root):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    induction = Cohort.objects.get(name="NQT Induction 2026")
    kinds = sorted(item.kind for item in cohort_inbox(cohort=induction))
    assert "question" in kinds and "flag" in kinds
    rows = {m.user.username: m for m in member_rows(cohort=induction)}
    assert rows["nqt9"].alerts == ["went_quiet"]
    assert rows["nqt8"].alerts == ["reading_declined"]
    assert rows["nqt12"].alerts == ["never_started"]
    statuses = {name: m.status for name, m in rows.items()}
    assert {statuses[f"nqt{i}"] for i in range(1, 5)} == {"contributor"}
    assert {statuses[f"nqt{i}"] for i in range(5, 10)} == {"reader"}
    assert {statuses["nqt10"], statuses["nqt11"]} == {"resource_only"}
    assert statuses["nqt12"] == "inactive"
    assert Thread.objects.filter(cohort=induction, state="scheduled").count() == 3
