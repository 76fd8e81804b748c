"""Participation: the classification, the counters behind it, and the pages tutors and
members see."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mentoring.boards.services import posts
from mentoring.models import Membership, Post, ReadEvent, Thread
from mentoring.participation.selectors.rows import (
    member_rows,
    member_rows_by_id,
    status_counts,
    weekly_trend,
)
from mentoring.participation.services import counters as participation
from tests.factories import UserFactory, make_cohort, signed_in
from tests.mentoring.boards_helpers import general_board

pytestmark = pytest.mark.django_db


def start_thread(cohort, author, title="Behaviour in Year 9") -> Thread:
    return posts.create_thread(
        board=general_board(cohort), author=author, title=title, body="How do you start lessons?"
    )


def statuses(cohort) -> dict[str, str]:
    return {m.user.username: m.status for m in member_rows(cohort=cohort)}


@pytest.fixture
def everyone(db):
    """A cohort with a member of every kind, including one who posted and then retracted."""
    tutor = UserFactory(username="tess", display_name="Tess Tutor")
    names = ["writer", "reader", "browser", "quiet", "retracted", "retracted_reader", "skimmer"]
    people = {name: UserFactory(username=name) for name in names}
    cohort = make_cohort(
        name="Every kind", tutors=[tutor], members=list(people.values()), reader_threshold=2
    )
    first = start_thread(cohort, tutor, "Welcome")
    second = start_thread(cohort, tutor, "Marking")
    posts.create_post(thread=first, author=people["writer"], body="I use a seating plan.")
    for name in ("reader", "retracted_reader"):
        participation.record_thread_read(user=people[name], thread=first)
        participation.record_thread_read(user=people[name], thread=second)
    participation.record_thread_read(user=people["skimmer"], thread=first)  # below threshold
    participation.record_resource_view(
        user=people["browser"], cohort=cohort, resource_kind="scenario", resource_id=1
    )
    for name in ("retracted", "retracted_reader"):
        post = posts.create_post(thread=first, author=people[name], body="Second thoughts.")
        posts.retract_post(post=post, by=people[name])
    # The tutor reads and posts too, and is still never counted.
    participation.record_thread_read(user=tutor, thread=first)
    return cohort, tutor, people


def test_every_kind_of_member_gets_the_contract_status(everyone):
    cohort, tutor, _ = everyone

    assert statuses(cohort) == {
        "writer": "contributor",
        "reader": "reader",
        "browser": "resource_only",
        "quiet": "inactive",
        "retracted": "inactive",  # a retracted post does not count as posting
        "retracted_reader": "reader",
        "skimmer": "inactive",  # read 1 thread; the cohort's threshold is 2
    }
    assert status_counts(cohort=cohort) == {
        "contributor": 1,
        "reader": 2,
        "resource_only": 1,
        "inactive": 3,
    }


def test_tutors_are_not_members_of_the_dashboard(everyone):
    cohort, tutor, _ = everyone
    rows = member_rows(cohort=cohort)
    assert tutor.username not in {m.user.username for m in rows}
    assert sum(status_counts(cohort=cohort).values()) == 7


def test_threshold_is_per_cohort(everyone):
    cohort, _, _ = everyone
    cohort.reader_threshold = 1
    cohort.save()
    assert statuses(cohort)["skimmer"] == "reader"


def test_counters_follow_reads_posts_and_retractions(everyone):
    cohort, _, people = everyone
    rows = {m.user.username: m for m in member_rows(cohort=cohort)}
    assert (rows["reader"].threads_read, rows["reader"].posts) == (2, 0)
    assert rows["writer"].posts == 1
    assert rows["retracted"].posts == 0
    assert rows["browser"].resource_views == 1
    assert rows["quiet"].last_seen_at is None
    # Reading the same thread again is not another thread read.
    participation.record_thread_read(user=people["reader"], thread=Thread.objects.first())
    assert Membership.objects.get(cohort=cohort, user=people["reader"]).threads_read == 2


def test_the_dashboard_costs_the_same_queries_for_3_members_as_for_40():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tutor = UserFactory(username="tq")
    counts = []
    for name, size in (("Small", 3), ("Large", 40)):
        cohort = make_cohort(
            name=name, tutors=[tutor], members=[UserFactory() for _ in range(size)]
        )
        client = signed_in(tutor)
        client.get(f"/cohorts/{cohort.pk}/dashboard/")  # this week's alert sums stored
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/cohorts/{cohort.pk}/dashboard/")
        assert response.status_code == 200
        assert response.content.decode().count("data-user-id=") >= size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_member_row_is_one_query_for_one_member(everyone, django_assert_num_queries):
    cohort, _, people = everyone
    membership = Membership.objects.get(cohort=cohort, user=people["reader"])
    with django_assert_num_queries(1):
        [row] = member_rows_by_id(membership_ids=[membership.pk])
    assert row["status"] == "reader"
    assert row["threads_read"] == 2
    assert isinstance(row["last_seen"], str)  # JSON-ready for the channel layer


def test_live_rows_for_many_members_are_read_in_one_query(
    everyone, django_assert_num_queries, django_capture_on_commit_callbacks, monkeypatch
):
    from mentoring.participation import events

    cohort, _, people = everyone
    ids = list(Membership.objects.filter(cohort=cohort, role="member").values_list("pk", flat=True))
    sent = []
    monkeypatch.setattr(events, "send_now", lambda stream, event, tutor=None: sent.append(event))
    with django_capture_on_commit_callbacks() as callbacks:
        events.members_updated(ids, cohort.pk)
    with django_assert_num_queries(1):
        for callback in callbacks:
            callback()
    assert len(sent) == len(ids) > 3
    assert {event.member.username for event in sent} == set(
        Membership.objects.filter(pk__in=ids).values_list("user__username", flat=True)
    )


def test_rebuild_participation_recomputes_counters_from_events(everyone):
    cohort, _, people = everyone
    before = {m.user_id: m for m in member_rows(cohort=cohort)}
    Membership.objects.filter(cohort=cohort).update(
        threads_read=99, posts=7, resource_views=3, last_posted_at=None
    )
    out = io.StringIO()
    call_command("rebuild_participation", str(cohort.pk), stdout=out)
    assert "7 memberships" in out.getvalue()
    after = {m.user_id: m for m in member_rows(cohort=cohort)}
    for user_id, row in before.items():
        assert (after[user_id].threads_read, after[user_id].posts) == (
            row.threads_read,
            row.posts,
        )
        assert after[user_id].resource_views == row.resource_views
        assert after[user_id].status == row.status
        assert after[user_id].last_seen_at == row.last_seen_at
        assert after[user_id].last_posted_at == row.last_posted_at


def test_weekly_trend_counts_members_reads_and_posts_per_week(everyone):
    cohort, tutor, people = everyone
    now = timezone.now()
    thread = Thread.objects.filter(cohort=cohort).first()
    three_weeks_ago = now - timedelta(weeks=3)
    ReadEvent.objects.create(
        user=people["quiet"], thread=thread, cohort=cohort, created_at=three_weeks_ago
    )
    ReadEvent.objects.create(  # older than the window: left out
        user=people["quiet"], thread=thread, cohort=cohort, created_at=now - timedelta(weeks=30)
    )
    trend = weekly_trend(cohort=cohort, weeks=6, now=now)
    assert len(trend) == 6
    assert trend[-1].week <= timezone.localdate(now)
    this_week = trend[-1]
    # Members' reads this week: reader 2, retracted_reader 2, skimmer 1 (the tutor's left out);
    # posts: the writer's one (retracted ones are not posts, the tutor's threads are left out).
    assert (this_week.reads, this_week.posts) == (5, 1)
    assert trend[-4].reads == 1
    assert sum(p.reads for p in trend) == 6


# --- Pages --------------------------------------------------------------------------------
def test_dashboard_shows_tutors_counts_chart_and_table(everyone):
    cohort, tutor, _ = everyone
    response = signed_in(tutor).get(f"/cohorts/{cohort.pk}/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="count" data-count="reader">2</span>' in html
    assert '<span class="count" data-count="inactive">3</span>' in html
    assert html.count("<svg") == 2
    assert 'data-username="retracted_reader" data-status="reader"' in html
    assert 'data-username="tess"' not in html


def test_dashboard_filters_by_status_without_javascript(everyone):
    cohort, tutor, _ = everyone
    html = signed_in(tutor).get(f"/cohorts/{cohort.pk}/dashboard/?status=reader").content
    html = html.decode()
    assert 'data-username="reader" data-status="reader">' in html
    assert 'data-username="writer" data-status="contributor" hidden' in html


def test_members_and_strangers_cannot_open_the_dashboard(everyone):
    cohort, _, people = everyone
    stranger = UserFactory(username="stranger")
    for user in (people["writer"], stranger):
        client = signed_in(user)
        assert client.get(f"/cohorts/{cohort.pk}/dashboard/").status_code == 404
        assert client.get(f"/cohorts/{cohort.pk}/dashboard/participation.csv").status_code == 404
        assert client.post(f"/cohorts/{cohort.pk}/dashboard/nudges/").status_code == 404


def test_csv_export_has_one_row_per_member(everyone):
    cohort, tutor, people = everyone
    people["writer"].display_name = "=HYPERLINK(evil)"
    people["writer"].save()
    # "quiet" enrolled a month ago and has done nothing since: never_started.
    Membership.objects.filter(cohort=cohort, user=people["quiet"]).update(
        joined_at=timezone.now() - timedelta(days=30)
    )
    response = signed_in(tutor).get(f"/cohorts/{cohort.pk}/dashboard/participation.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.streaming  # every row, written as it is read
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert len(rows) == 7
    by_name = {row["username"]: row for row in rows}
    assert by_name["reader"]["status"] == "reader"
    assert by_name["reader"]["threads_read"] == "2"
    assert by_name["retracted"]["posts"] == "0"
    assert by_name["writer"]["display_name"] == "'=HYPERLINK(evil)"  # no spreadsheet formulas
    assert "tess" not in by_name
    # The early warnings travel with the rows, and filter them as on the dashboard.
    expected = {m.user.username: "; ".join(m.alerts) for m in member_rows(cohort=cohort)}
    assert {name: row["alerts"] for name, row in by_name.items()} == expected
    assert by_name["quiet"]["alerts"] == "never_started"
    code, *_ = next(v for v in expected.values() if v).split("; ")
    only = signed_in(tutor).get(f"/cohorts/{cohort.pk}/dashboard/participation.csv?alert={code}")
    listed = list(csv.DictReader(io.StringIO(only.getvalue().decode("utf-8-sig"))))
    assert listed and all(code in row["alerts"] for row in listed)
    assert len(listed) == sum(1 for v in expected.values() if code in v.split("; "))


def test_csv_starts_with_a_bom_so_excel_reads_utf8(everyone):
    cohort, tutor, people = everyone
    people["writer"].display_name = "Zoë Brontë"
    people["writer"].save()
    body = signed_in(tutor).get(f"/cohorts/{cohort.pk}/dashboard/participation.csv").getvalue()
    # Exactly one BOM, before the header: Excel then reads UTF-8, not the legacy code page.
    assert body.startswith(b"\xef\xbb\xbfusername,")
    assert body.count(b"\xef\xbb\xbf") == 1
    assert "Zoë Brontë" in body.decode("utf-8-sig")


def test_member_sees_own_summary_and_what_tutors_can_see(everyone):
    cohort, tutor, people = everyone
    response = signed_in(people["reader"]).get(f"/cohorts/{cohort.pk}/my-participation/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "What your tutors can see" in html
    assert '<dd data-field="threads_read">2</dd>' in html
    assert "Reader" in html
    # Not a member (tutor, stranger): nothing to show.
    assert signed_in(tutor).get(f"/cohorts/{cohort.pk}/my-participation/").status_code == 404


def test_posts_count_only_once_each_and_retraction_uncounts(everyone):
    cohort, _, people = everyone
    thread = Thread.objects.filter(cohort=cohort).first()
    post = posts.create_post(thread=thread, author=people["quiet"], body="Hello")
    assert statuses(cohort)["quiet"] == "contributor"
    posts.retract_post(post=post, by=people["quiet"])
    assert statuses(cohort)["quiet"] == "inactive"
    assert not Post.objects.filter(author=people["quiet"]).live().exists()


# --- Commands -----------------------------------------------------------------------------
def test_seed_scale_builds_a_cohort_with_consistent_counters():
    from django.db.models import Sum

    from mentoring.models import Cohort, ResourceView, ThreadReadState

    out = io.StringIO()
    call_command("seed_scale", members=40, posts=300, reads=2000, stdout=out, stderr=io.StringIO())
    cohort = Cohort.objects.get(pk=int(out.getvalue().strip().splitlines()[-1]))
    tutor = Membership.objects.get(cohort=cohort, user__username="tutor")
    assert tutor.role == Membership.Role.TUTOR
    members = Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER)
    assert members.count() == 40
    totals = members.aggregate(
        posts=Sum("posts"), reads=Sum("threads_read"), views=Sum("resource_views")
    )
    assert totals["posts"] == Post.objects.live().filter(cohort=cohort).count() > 250
    assert ReadEvent.objects.filter(cohort=cohort).count() == 2000
    assert totals["reads"] == ThreadReadState.objects.filter(thread__cohort=cohort).count()
    assert totals["views"] == ResourceView.objects.filter(cohort=cohort).count()
    counts = status_counts(cohort=cohort)
    assert counts["contributor"] == 8 and counts["resource_only"] > 0
    assert sum(counts.values()) == 40


def test_rebuild_participation_needs_cohorts_or_all(everyone):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rebuild_participation")
    with pytest.raises(CommandError, match="No such cohorts: 999999"):
        call_command("rebuild_participation", "999999")
    out = io.StringIO()
    call_command("rebuild_participation", "--all", stdout=out)
    assert "Rebuilt participation for 7 memberships." in out.getvalue()


def _went_quiet(cohort, user, days=30):
    Membership.objects.filter(cohort=cohort, user=user).update(
        last_seen_at=timezone.now() - timedelta(days=days)
    )


def test_alert_reasons_are_text_on_the_page_not_tooltips(everyone):
    """Touch screens and screen readers never see a ``title``: the reason is the row's text."""
    cohort, tutor, people = everyone
    _went_quiet(cohort, people["reader"])
    html = signed_in(tutor).get(f"/cohorts/{cohort.pk}/dashboard/").content.decode()
    row = html.split('data-username="reader"', 1)[1].split("</tr>", 1)[0]
    assert '<details class="alert-reason" data-alert="went_quiet" data-key=' in row
    assert "Went quiet" in row
    assert "Active before, then nothing for 30 days" in row
    assert "title=" not in row


def test_rows_fragment_is_the_dashboards_own_rows(everyone):
    cohort, tutor, people = everyone
    _went_quiet(cohort, people["reader"])
    client = signed_in(tutor)
    ids = [people["reader"].pk, people["writer"].pk, tutor.pk]
    response = client.get(f"/cohorts/{cohort.pk}/dashboard/rows/", {"user": ids})
    assert response.status_code == 200
    html = response.content.decode()
    # Only members' rows (the tutor has none), each exactly as the page renders it.
    assert html.count("<tr ") == 2
    page = client.get(f"/cohorts/{cohort.pk}/dashboard/").content.decode()
    for name in ("reader", "writer"):
        fragment_row = html.split(f'data-username="{name}"', 1)[1].split("</tr>", 1)[0]
        page_row = page.split(f'data-username="{name}"', 1)[1].split("</tr>", 1)[0]
        assert fragment_row == page_row
    assert "Active before, then nothing for 30 days" in html


@pytest.mark.parametrize(
    "query",
    ["", "?user=", "?user=abc", "?user=-1", "?user=99999999999999999999", "?user=1.5"]
    + ["?" + "&".join(f"user={n}" for n in range(1, 102))],
)
def test_rows_fragment_refuses_bad_ids_with_a_400(everyone, query):
    cohort, tutor, _ = everyone
    response = signed_in(tutor).get(f"/cohorts/{cohort.pk}/dashboard/rows/{query}")
    assert response.status_code == 400


def test_rows_fragment_is_for_the_cohorts_tutors_only(everyone):
    cohort, _, people = everyone
    url = f"/cohorts/{cohort.pk}/dashboard/rows/?user={people['reader'].pk}"
    assert signed_in(people["writer"]).get(url).status_code == 404
    other = make_cohort(name="Other", tutors=[UserFactory(username="other_tutor")])
    assert signed_in(other.memberships.get().user).get(url).status_code == 404
