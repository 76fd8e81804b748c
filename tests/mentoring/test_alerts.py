"""Early-warning alerts on crafted histories, boundaries included, with an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mentoring.boards.services import posts as boards
from mentoring.models import Board, Membership, MemberWeek, ReadEvent
from mentoring.participation.selectors import alerts
from mentoring.participation.selectors.rows import member_rows, member_rows_by_id
from mentoring.participation.services import counters as participation
from tests.factories import UserFactory, make_cohort

pytestmark = pytest.mark.django_db

# A Wednesday noon: this week's Monday is 2026-11-16.
NOW = timezone.make_aware(datetime(2026, 11, 18, 12, 0))
THIS_MONDAY = NOW.date() - timedelta(days=2)


@pytest.fixture
def cohort(db):
    tutor = UserFactory(username="tess")
    people = [UserFactory(username=f"m{i}") for i in range(1, 4)]
    cohort = make_cohort(name="Alerts", tutors=[tutor], members=people)
    # Everyone joined long ago and was seen yesterday unless a test says otherwise.
    Membership.objects.filter(cohort=cohort, role="member").update(
        joined_at=NOW - timedelta(days=100), last_seen_at=NOW - timedelta(days=1), threads_read=1
    )
    return cohort


@pytest.fixture
def at_now():
    """Pages and the API read the real clock: hold it at ``NOW`` so the crafted history holds."""
    with time_machine.travel(NOW, tick=True):
        yield NOW


def membership(cohort, username) -> Membership:
    return Membership.objects.get(cohort=cohort, user__username=username)


def alerts_of(cohort, username, now=NOW) -> list[str]:
    rows = member_rows(cohort=cohort, now=now)
    return next(m.alerts for m in rows if m.user.username == username)


def weeks(m: Membership, reads_by_weeks_ago: dict[int, int]) -> None:
    """Buckets: ``{1: 3}`` means 3 reads in the week that ended last Sunday."""
    for ago, reads in reads_by_weeks_ago.items():
        MemberWeek.objects.create(
            membership=m, week=THIS_MONDAY - timedelta(weeks=ago), reads=reads
        )


# --- went_quiet -----------------------------------------------------------------------------
def test_went_quiet_at_exactly_quiet_days_and_not_a_second_before(cohort):
    m = membership(cohort, "m1")
    Membership.objects.filter(pk=m.pk).update(last_seen_at=NOW - timedelta(days=14))
    assert alerts_of(cohort, "m1") == ["went_quiet"]
    Membership.objects.filter(pk=m.pk).update(
        last_seen_at=NOW - timedelta(days=14) + timedelta(seconds=1)
    )
    assert alerts_of(cohort, "m1") == []


def test_quiet_days_is_a_cohort_setting(cohort):
    Membership.objects.filter(pk=membership(cohort, "m1").pk).update(
        last_seen_at=NOW - timedelta(days=5)
    )
    assert alerts_of(cohort, "m1") == []
    type(cohort).objects.filter(pk=cohort.pk).update(quiet_days=5)
    cohort.refresh_from_db()
    assert alerts_of(cohort, "m1") == ["went_quiet"]
    # The live rows (member.updated) read the setting from the cohort too.
    [row] = member_rows_by_id(membership_ids=[membership(cohort, "m1").pk])
    assert row["alerts"] == ["went_quiet"]


def test_someone_never_seen_has_not_gone_quiet(cohort):
    Membership.objects.filter(pk=membership(cohort, "m1").pk).update(
        last_seen_at=None, threads_read=0, joined_at=NOW - timedelta(days=3)
    )
    assert alerts_of(cohort, "m1") == []


# --- never_started --------------------------------------------------------------------------
def test_never_started_after_seven_days_with_no_activity(cohort):
    m = membership(cohort, "m2")
    Membership.objects.filter(pk=m.pk).update(
        last_seen_at=None, threads_read=0, joined_at=NOW - timedelta(days=7)
    )
    assert alerts_of(cohort, "m2") == ["never_started"]
    Membership.objects.filter(pk=m.pk).update(joined_at=NOW - timedelta(days=7, seconds=-1))
    assert alerts_of(cohort, "m2") == []


def test_one_resource_view_is_a_start(cohort):
    m = membership(cohort, "m2")
    Membership.objects.filter(pk=m.pk).update(
        last_seen_at=None, threads_read=0, joined_at=NOW - timedelta(days=30)
    )
    assert alerts_of(cohort, "m2") == ["never_started"]
    participation.record_resource_view(
        user=m.user, cohort=cohort, resource_kind="scenario", resource_id=1
    )
    assert "never_started" not in alerts_of(cohort, "m2", now=timezone.now())


# --- reading_declined -----------------------------------------------------------------------
def test_reading_declined_under_half_of_the_four_weeks_before(cohort):
    m = membership(cohort, "m3")
    # 4 a week for weeks 3-6 ago (average 4), then 3 reads in two weeks (1.5 a week < 2).
    weeks(m, {6: 4, 5: 4, 4: 4, 3: 4, 2: 2, 1: 1})
    assert alerts_of(cohort, "m3") == ["reading_declined"]


def test_exactly_half_is_not_a_decline(cohort):
    m = membership(cohort, "m3")
    weeks(m, {6: 4, 5: 4, 4: 4, 3: 4, 2: 2, 1: 2})  # 2 a week = exactly half of 4
    assert alerts_of(cohort, "m3") == []


def test_this_unfinished_week_does_not_count(cohort):
    m = membership(cohort, "m3")
    weeks(m, {6: 4, 5: 4, 4: 4, 3: 4, 0: 50})
    assert alerts_of(cohort, "m3") == ["reading_declined"]
    # A week later, those 50 reads are last week's: no decline.
    assert alerts_of(cohort, "m3", now=NOW + timedelta(weeks=1)) == []


def test_a_thin_baseline_is_not_a_trend(cohort):
    m = membership(cohort, "m3")
    weeks(m, {6: 1, 5: 1, 4: 1})  # 3 reads in four weeks: under one a week on average
    assert alerts_of(cohort, "m3") == []
    weeks(m, {3: 1})  # 4 reads in four weeks: one a week, and nothing since
    assert alerts_of(cohort, "m3") == ["reading_declined"]


def test_reads_older_than_six_weeks_are_ignored(cohort):
    m = membership(cohort, "m3")
    weeks(m, {7: 40, 8: 40})
    assert alerts_of(cohort, "m3") == []


def test_alerts_combine(cohort):
    m = membership(cohort, "m3")
    Membership.objects.filter(pk=m.pk).update(last_seen_at=NOW - timedelta(days=20))
    weeks(m, {6: 4, 5: 4, 4: 4, 3: 4})
    assert alerts_of(cohort, "m3") == ["went_quiet", "reading_declined"]
    reasons = dict(
        alerts.reasons(member_rows(cohort=cohort, now=NOW).get(pk=m.pk), cohort=cohort, now=NOW)
    )
    assert "nothing for 20 days" in reasons["went_quiet"]
    assert "0 threads a week over the last 2 weeks" in reasons["reading_declined"]
    assert "4 a week" in reasons["reading_declined"]


# --- The buckets are kept by the read service and rebuilt from the events ---------------------
def test_reads_fill_the_weekly_bucket_and_rebuild_agrees(cohort, settings):
    settings.READ_EVENT_THROTTLE_SECONDS = 0
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    tutor = UserFactory(username="tess")
    thread = boards.create_thread(board=board, author=tutor, title="Hello", body="Welcome")
    m = membership(cohort, "m1")
    participation.record_thread_read(user=m.user, thread=thread)
    participation.record_thread_read(user=m.user, thread=thread)
    monday = alerts.week_monday(timezone.now())
    assert MemberWeek.objects.get(membership=m, week=monday).reads == 2
    # An event from five weeks ago, recorded behind the service's back (an import).
    ReadEvent.objects.create(
        user=m.user, thread=thread, cohort=cohort, created_at=timezone.now() - timedelta(weeks=5)
    )
    call_command("rebuild_participation", str(cohort.pk))
    buckets = dict(MemberWeek.objects.filter(membership=m).values_list("week", "reads"))
    assert buckets == {monday: 2, alerts.week_monday(timezone.now() - timedelta(weeks=5)): 1}


# --- Where they show ------------------------------------------------------------------------
def test_api_rows_carry_alerts_and_filter_by_them(at_now, cohort, api):
    Membership.objects.filter(pk=membership(cohort, "m1").pk).update(
        last_seen_at=timezone.now() - timedelta(days=30)
    )
    tutor = UserFactory(username="tess")
    response = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/participation")
    assert response.status_code == 200
    by_name = {m["username"]: m["alerts"] for m in response.data["members"]}
    assert by_name == {"m1": ["went_quiet"], "m2": [], "m3": []}
    quiet = api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/participation?alert=went_quiet")
    assert [m["username"] for m in quiet.data["members"]] == ["m1"]


def test_dashboard_shows_filters_and_member_sees_own_alert(at_now, cohort):
    Membership.objects.filter(pk=membership(cohort, "m1").pk).update(
        last_seen_at=timezone.now() - timedelta(days=30)
    )
    client = Client()
    client.force_login(UserFactory(username="tess"))
    page = client.get(f"/cohorts/{cohort.pk}/dashboard/?alert=went_quiet")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-alert="went_quiet"' in html
    assert "Went quiet" in html
    member = Client()
    member.force_login(membership(cohort, "m1").user)
    own = member.get(f"/cohorts/{cohort.pk}/my-participation/").content.decode()
    assert "Went quiet" in own and "nothing for 30 days" in own
    other = Client()
    other.force_login(membership(cohort, "m2").user)
    assert "Went quiet" not in other.get(f"/cohorts/{cohort.pk}/my-participation/").content.decode()


def test_dashboard_rows_in_one_query(cohort, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        list(member_rows(cohort=cohort, now=NOW))


def test_nudge_everyone_who_went_quiet_in_one_go(at_now, cohort):
    from mentoring.models import Nudge

    for name in ("m1", "m2"):
        Membership.objects.filter(pk=membership(cohort, name).pk).update(
            last_seen_at=timezone.now() - timedelta(days=20)
        )
    client = Client()
    client.force_login(UserFactory(username="tess"))
    response = client.post(
        f"/cohorts/{cohort.pk}/dashboard/nudges/",
        {"alert_group": "went_quiet", "message": "We miss you, {name}."},
    )
    assert response.status_code == 302
    nudged = set(Nudge.objects.filter(cohort=cohort).values_list("member__username", flat=True))
    assert nudged == {"m1", "m2"}


def test_thresholds_are_settings_with_bounds(cohort, api):
    tutor = UserFactory(username="tess")
    ok = api(tutor).client.patch(
        f"/api/v1/cohorts/{cohort.pk}",
        data={"quiet_days": 10, "unanswered_hours": 24},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert (ok.json()["quiet_days"], ok.json()["unanswered_hours"]) == (10, 24)
    bad = api(tutor).client.patch(
        f"/api/v1/cohorts/{cohort.pk}", data={"quiet_days": 0}, content_type="application/json"
    )
    assert bad.status_code in (400, 422) and "code" in bad.json()


# --- the sums stored for the week ------------------------------------------------------------
def test_the_weeks_sums_are_stored_once_and_read_back_like_the_buckets(cohort):
    m = membership(cohort, "m1")
    weeks(m, {1: 0, 2: 1, 3: 4, 4: 4, 5: 4, 6: 4, 7: 50})  # week 7 is outside both windows
    assert participation.refresh_alert_windows(cohort_ids=[cohort.pk], now=NOW) == 3
    m.refresh_from_db()
    assert (m.alert_week, m.alert_recent_reads, m.alert_baseline_reads) == (THIS_MONDAY, 1, 16)
    # A second refresh in the same week writes nothing.
    assert participation.refresh_alert_windows(cohort_ids=[cohort.pk], now=NOW) == 0
    row = next(r for r in member_rows(cohort=cohort, now=NOW) if r.pk == m.pk)
    assert (row.recent_reads, row.baseline_reads) == (1, 16)
    assert row.alerts == ["reading_declined"]


def test_stored_sums_are_read_for_their_week_only(cohort):
    m = membership(cohort, "m1")
    weeks(m, {1: 0, 2: 0, 3: 4, 4: 4, 5: 4, 6: 4})
    participation.refresh_alert_windows(cohort_ids=[cohort.pk], now=NOW)
    # Were the stored sums wrong, this week's rows would say so (they are what is read)...
    Membership.objects.filter(pk=m.pk).update(alert_recent_reads=9, alert_baseline_reads=9)
    assert alerts_of(cohort, "m1") == []
    # ...while any other week is summed from the buckets: a week later, the recent window is
    # this week and last (no reads), the baseline the four before (0 + 4 + 4 + 4).
    next_week = NOW + timedelta(weeks=1)
    row = next(r for r in member_rows(cohort=cohort, now=next_week) if r.pk == m.pk)
    assert (row.recent_reads, row.baseline_reads) == (0, 12)


def test_a_rebuild_stores_the_sums_from_the_rebuilt_buckets(cohort):
    m = membership(cohort, "m1")
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = boards.create_thread(board=board, author=m.user, title="T", body="x")
    last_week = timezone.now() - timedelta(weeks=1)
    ReadEvent.objects.bulk_create(
        ReadEvent(user=m.user, thread=thread, cohort=cohort, created_at=last_week) for _ in range(3)
    )
    Membership.objects.filter(pk=m.pk).update(alert_week=alerts.Windows.at(timezone.now()).until)
    participation.rebuild_counters(cohort_ids=[cohort.pk])
    m.refresh_from_db()
    assert m.alert_week == alerts.Windows.at(timezone.now()).until
    assert m.alert_recent_reads == 3


def test_the_dashboard_api_stores_this_weeks_sums(cohort, api):
    tutor = cohort.memberships.get(role="tutor").user
    assert not Membership.objects.filter(cohort=cohort, alert_week__isnull=False).exists()
    assert api(tutor).get(f"/api/v1/cohorts/{cohort.pk}/participation").status_code == 200
    monday = alerts.Windows.at(timezone.now()).until
    assert set(
        Membership.objects.filter(cohort=cohort, role="member").values_list("alert_week", flat=True)
    ) == {monday}


# --- The compiled queries follow the clock (issue 24) --------------------------------------
def test_the_compiled_page_and_live_rows_follow_the_clock_second_by_second(cohort):
    """The page's and the live rows' SQL is compiled once and reused with the time replaced:
    a second either side of the boundary still decides, read after read."""
    import json

    from mentoring.participation.selectors.rows import member_json_page

    m = membership(cohort, "m1")
    Membership.objects.filter(pk=m.pk).update(last_seen_at=NOW - timedelta(days=14))

    def page_alerts(now):
        text = member_json_page(cohort=cohort, now=now).members
        return next(row["alerts"] for row in json.loads(f"[{text}]") if row["username"] == "m1")

    def live_alerts(now):
        [row] = member_rows_by_id(membership_ids=[m.pk], now=now)
        return row["alerts"]

    for read in (page_alerts, live_alerts):
        assert read(NOW - timedelta(seconds=1)) == []  # compiles
        assert read(NOW) == ["went_quiet"]  # reuses, with the time replaced
        assert read(NOW - timedelta(seconds=1)) == []
        assert read(NOW + timedelta(days=1)) == ["went_quiet"]
