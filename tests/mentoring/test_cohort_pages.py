import pytest

from mentoring.models import Cohort, Membership
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db

ALERT_DEFAULTS = {"quiet_days": 14, "never_started_days": 7, "unanswered_hours": 48}


def test_staff_create_a_cohort_with_field_errors_first(cohort, tutor):
    staff = UserFactory(username="staffer", is_staff=True)
    client = signed_in(staff)
    response = client.post("/cohorts/new/", {"name": "", "kind": "induction", "tutors": staff.pk})
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert not Cohort.objects.filter(name="").exists()
    response = client.post(
        "/cohorts/new/", {"name": "Spring", "kind": "induction", "tutors": [tutor.pk, staff.pk]}
    )
    cohort = Cohort.objects.get(name="Spring")
    assert response.status_code == 302
    assert Membership.objects.get(cohort=cohort, user=tutor).role == "tutor"


def test_non_staff_cannot_open_cohort_creation(members):
    assert signed_in(members[0]).get("/cohorts/new/").status_code == 404


def test_tutor_changes_settings_and_bad_values_show_field_errors(cohort, tutor):
    client = signed_in(tutor)
    data = {
        "name": cohort.name,
        "edit_grace_minutes": 1441,
        "reader_threshold": 0,
        "nudge_template": "Hi {name}",
        **ALERT_DEFAULTS,
    }
    response = client.post(f"/cohorts/{cohort.pk}/settings/", data)
    assert response.status_code == 200
    assert "at most 1,440 minutes" in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.edit_grace_seconds == 1800
    data.update(edit_grace_minutes=10, reader_threshold=2, allow_anonymous_to_peers="on")
    assert client.post(f"/cohorts/{cohort.pk}/settings/", data).status_code == 302
    cohort.refresh_from_db()
    assert (cohort.edit_grace_seconds, cohort.reader_threshold) == (600, 2)
    assert cohort.allow_anonymous_to_peers


def test_settings_take_the_grace_period_in_minutes_and_show_the_range(cohort, tutor):
    client = signed_in(tutor)
    page = client.get(f"/cohorts/{cohort.pk}/settings/").content.decode()
    assert 'name="edit_grace_minutes"' in page and 'value="30"' in page
    assert "From 0 to 1,440 minutes" in page
    assert 'max="1440"' in page
    assert "edit_grace_seconds" not in page


def test_saving_other_settings_keeps_a_grace_period_set_in_odd_seconds(cohort, tutor):
    cohort.edit_grace_seconds = 45  # the API takes seconds
    cohort.save()
    client = signed_in(tutor)
    data = {
        "name": "Renamed",
        "edit_grace_minutes": 1,
        "reader_threshold": 1,
        "nudge_template": "x",
        **ALERT_DEFAULTS,
    }
    assert client.post(f"/cohorts/{cohort.pk}/settings/", data).status_code == 302
    cohort.refresh_from_db()
    assert (cohort.name, cohort.edit_grace_seconds) == ("Renamed", 45)


def test_nudge_template_help_lists_the_dashboards_placeholders(cohort, tutor):
    client = signed_in(tutor)
    settings_page = client.get(f"/cohorts/{cohort.pk}/settings/").content.decode()
    dashboard = client.get(f"/cohorts/{cohort.pk}/dashboard/").content.decode()
    for placeholder in ("{name}", "{cohort}", "{thread}", "{thread_url}"):
        assert placeholder in settings_page and placeholder in dashboard


def test_members_and_outsiders_get_404_on_tutor_pages(cohort, members, outsider):
    for user in (members[0], outsider):
        client = signed_in(user)
        assert client.get(f"/cohorts/{cohort.pk}/settings/").status_code == 404
        assert client.get(f"/cohorts/{cohort.pk}/members/").status_code == 404


def test_enrol_page_is_all_or_nothing(cohort, tutor):
    newcomer = UserFactory(username="newcomer")
    client = signed_in(tutor)
    response = client.post(
        f"/cohorts/{cohort.pk}/members/", {"enrol": "1", "usernames": "newcomer, ghost"}
    )
    assert b"ghost" in response.content
    assert not Membership.objects.filter(cohort=cohort, user=newcomer).exists()
    client.post(f"/cohorts/{cohort.pk}/members/", {"enrol": "1", "usernames": "newcomer"})
    assert Membership.objects.filter(cohort=cohort, user=newcomer, role="member").exists()


def test_latest_activity_shows_a_scheduled_prompt_only_once_published(cohort, tutor, members):
    """The tutor's "Latest activity" never says a prompt was started before it goes out; once
    published it reads "started", at its publication time. The clock is moved, not read."""
    from datetime import UTC, datetime, timedelta
    from unittest import mock

    from mentoring.boards.services import scheduling
    from tests.mentoring.boards_helpers import general_board

    monday = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
    publish_at = monday + timedelta(days=7)
    with mock.patch("django.utils.timezone.now", return_value=monday):
        scheduling.schedule_thread(
            board=general_board(cohort),
            author=tutor,
            title="Week 2: behaviour",
            body="What went well?",
            publish_at=publish_at,
        )
        before = signed_in(tutor).get(f"/cohorts/{cohort.pk}/").content.decode()
    activity = before.split("Latest activity", 1)[1]
    assert "Week 2: behaviour" not in activity
    assert "Nothing yet" in activity

    scheduling.publish_due(now=publish_at)
    with mock.patch("django.utils.timezone.now", return_value=publish_at + timedelta(hours=1)):
        for user in (tutor, members[0]):
            after = signed_in(user).get(f"/cohorts/{cohort.pk}/").content.decode()
            activity = after.split("Latest activity", 1)[1]
            assert "started" in activity and "Week 2: behaviour" in activity
            assert "10 Mar, 09:00" in activity  # published then, not when written


def test_tutors_reach_the_inbox_and_scheduled_prompts_from_the_cohort_page(cohort, tutor, members):
    page = signed_in(tutor).get(f"/cohorts/{cohort.pk}/").content.decode()
    assert f'href="/cohorts/{cohort.pk}/inbox/">Inbox</a>' in page
    assert f'href="/cohorts/{cohort.pk}/scheduled/">Scheduled prompts</a>' in page
    as_member = signed_in(members[0]).get(f"/cohorts/{cohort.pk}/").content.decode()
    assert f"/cohorts/{cohort.pk}/inbox/" not in as_member
    assert f"/cohorts/{cohort.pk}/scheduled/" not in as_member


def test_an_empty_cohort_shows_its_tutor_how_to_bring_people_in(tutor):
    from tests.factories import add_membership, make_cohort

    empty = make_cohort(name="Autumn", tutors=[tutor])
    page = signed_in(tutor).get(f"/cohorts/{empty.pk}/").content.decode()
    assert "Nobody is in Autumn yet" in page
    assert f'href="/cohorts/{empty.pk}/members/#invitations">Invite people</a>' in page
    assert f'href="/cohorts/{empty.pk}/roster/">Import a roster</a>' in page
    # A second tutor is not a member: still empty.
    add_membership(cohort=empty, user=UserFactory(username="co_tutor"), role="tutor")
    assert (
        "Nobody is in Autumn yet" in signed_in(tutor).get(f"/cohorts/{empty.pk}/").content.decode()
    )
    add_membership(cohort=empty, user=UserFactory(username="first_member"))
    page = signed_in(tutor).get(f"/cohorts/{empty.pk}/").content.decode()
    assert "Nobody is in Autumn yet" not in page and "Import a roster" not in page
