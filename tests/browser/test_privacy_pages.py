"""axe-core reports nothing on the privacy notice (signed out) and on a member's participation
page with access log entries and a pager, at desktop and phone size; neither scrolls sideways
on a phone. Uses test_accessibility's page check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.models import AccessLogEntry
from mentoring.privacy.services.access_log import record_access
from tests.browser.test_accessibility import _check, axe_source
from tests.conftest import run_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _entries(cohort, tutor, member) -> None:
    now = timezone.now()
    for i in range(22):  # more than a page: the pager shows
        record_access(
            actor=tutor,
            subject=member,
            action=AccessLogEntry.Action.PRIVATE_QUESTION_READ,
            cohort=cohort,
            detail=f"Question: a rather long question title about behaviour, number {i}",
            now=now - timedelta(hours=i),
        )


def test_privacy_notice_and_access_log_pass_axe(browser_as, cohort, tutor, members):
    source = axe_source()
    run_in_thread(_entries, cohort, tutor, members[0])
    problems = _check(browser_as(), {"privacy notice": "/privacy/"}, source, "signed out")
    member_page = browser_as(members[0])
    problems += _check(
        member_page,
        {"my participation with entries": f"/cohorts/{cohort.pk}/my-participation/"},
        source,
        "member",
    )
    assert member_page.get_by_role("link", name="Older entries").count() == 0  # the label
    assert member_page.get_by_role("navigation", name="Older entries").count() == 1
    assert problems == [], "\n".join(problems)
