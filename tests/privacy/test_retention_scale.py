"""``apply_retention`` on a year and more of a ``seed_scale`` cohort: a dry run counts and keeps
everything; the real run deletes exactly those read events, and the dashboard (every member's
status, counters and alerts through the participation API) reads the same afterwards, and after
a rebuild too."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command

from mentoring.models import Cohort, Membership, MemberWeek, ReadEvent, RetentionRun, User
from mentoring.participation.services.counters import rebuild_counters
from mentoring.privacy.services.retention import read_events_cutoff
from tests.factories import ApiClient

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2025, 6, 11, 10, 30, tzinfo=UTC)  # a Wednesday


def _dashboard(api: ApiClient, cohort: Cohort) -> dict:
    """Every member's row and the cohort's counts, as the participation API gives them."""
    response = api.get(f"/api/v1/cohorts/{cohort.pk}/participation?limit=500")
    assert response.status_code == 200, response.content
    data = response.data
    assert data["next"] is None
    return {
        "counts": data["counts"],
        "members": sorted(data["members"], key=lambda m: m["user_id"]),
    }


def _buckets(cohort: Cohort) -> set[tuple[int, object, int]]:
    return set(
        MemberWeek.objects.filter(membership__cohort=cohort).values_list(
            "membership_id", "week", "reads"
        )
    )


def _lines(output: str) -> dict[str, int]:
    """``name: N what`` lines, by name."""
    counts = {}
    for line in output.splitlines():
        name, _, rest = line.partition(": ")
        if name != "Total" and rest:
            counts[name] = int(rest.split()[0])
    return counts


def test_retention_keeps_the_dashboard_and_deletes_only_old_read_events(settings):
    settings.RETENTION_READ_EVENTS_MONTHS = 12
    with time_machine.travel(NOW, tick=False):
        call_command(
            "seed_scale",
            "--members=30",
            "--posts=50",
            "--reads=2000",
            "--weeks=60",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        cohort = Cohort.objects.latest("pk")
        api = ApiClient(User.objects.get(username="tutor"))
        monday, cutoff = read_events_cutoff(NOW, 12)
        assert monday.weekday() == 0 and monday.year == 2024 and monday.month == 6
        old = set(ReadEvent.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True))
        kept = set(ReadEvent.objects.filter(created_at__gte=cutoff).values_list("pk", flat=True))
        assert len(old) > 100 and len(kept) > 100  # a year and more of reads
        before = _dashboard(api, cohort)
        buckets = _buckets(cohort)
        assert any(m["alerts"] for m in before["members"]) or before["counts"]

        # A dry run reports what would go and deletes nothing.
        out = io.StringIO()
        call_command("apply_retention", "--dry-run", stdout=out)
        report = _lines(out.getvalue())
        assert report["read_events"] == len(old)
        assert "(dry run: nothing was deleted)" in out.getvalue()
        assert ReadEvent.objects.count() == len(old) + len(kept)
        assert not RetentionRun.objects.exists()

        # The run deletes exactly those rows.
        out = io.StringIO()
        call_command("apply_retention", stdout=out)
        assert _lines(out.getvalue())["read_events"] == len(old)
        assert set(ReadEvent.objects.values_list("pk", flat=True)) == kept
        assert RetentionRun.objects.get().reads_folded_before == monday

        # The dashboard reads the same: statuses, counters, alerts; the buckets are untouched.
        assert _dashboard(api, cohort) == before
        assert _buckets(cohort) == buckets

        # A rebuild from what is left keeps the folded weeks' buckets and gives the same answer.
        Membership.objects.filter(cohort=cohort).update(threads_read=0, posts=0)
        rebuild_counters(cohort_ids=[cohort.pk])
        assert _buckets(cohort) == buckets
        assert _dashboard(api, cohort) == before

        # Run again: nothing more to delete.
        out = io.StringIO()
        call_command("apply_retention", stdout=out)
        assert _lines(out.getvalue())["read_events"] == 0
