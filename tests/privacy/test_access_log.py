"""The access log: what is logged when a tutor or staff opens or exports a member's data, and
who reads it (the member on their participation page, staff in /django-admin/)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from mentoring.boards.services import posts
from mentoring.models import AccessLogEntry
from mentoring.privacy.services.access_log import record_access
from tests.factories import ApiClient, UserFactory, make_cohort, signed_in
from tests.mentoring.boards_helpers import general_board, private_board

pytestmark = pytest.mark.django_db

Action = AccessLogEntry.Action


@pytest.fixture
def people():
    tutor = UserFactory(username="tina", display_name="Tina Tutor")
    rita, sam = UserFactory(username="rita"), UserFactory(username="sam")
    cohort = make_cohort(name="Logged", tutors=[tutor], members=[rita, sam])
    return tutor, rita, sam, cohort


def _csv(client, cohort, query=""):
    response = client.get(f"/cohorts/{cohort.pk}/dashboard/participation.csv{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_a_participation_export_logs_one_entry_per_member_in_it(people):
    tutor, rita, sam, cohort = people
    body = _csv(signed_in(tutor), cohort)
    assert "rita" in body and "sam" in body
    entries = AccessLogEntry.objects.filter(action=Action.PARTICIPATION_EXPORTED)
    assert sorted(entries.values_list("subject__username", flat=True)) == ["rita", "sam"]
    assert {(e.actor_id, e.actor_name, e.cohort_id) for e in entries} == {
        (tutor.pk, "Tina Tutor", cohort.pk)
    }


def test_a_filtered_export_logs_only_the_members_in_the_file(people):
    tutor, rita, sam, cohort = people
    posts.create_thread(
        board=private_board(cohort), author=rita, title="Q", body="A question"
    )  # rita now contributes; sam is inactive
    body = _csv(signed_in(tutor), cohort, "?status=inactive")
    assert "sam" in body and "rita" not in body
    assert list(AccessLogEntry.objects.values_list("subject__username", flat=True)) == ["sam"]


def test_a_tutor_reading_a_private_question_is_logged_once_per_window(people, settings):
    tutor, rita, _, cohort = people
    settings.READ_EVENT_THROTTLE_SECONDS = 300
    thread = posts.create_thread(
        board=private_board(cohort), author=rita, title="Worried", body="About SLT"
    )
    assert signed_in(rita).get(f"/threads/{thread.pk}/").status_code == 200
    assert not AccessLogEntry.objects.exists()  # the author reading their own: nothing

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in(tutor)
        assert client.get(f"/threads/{thread.pk}/").status_code == 200
        assert client.get(f"/threads/{thread.pk}/").status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.subject, entry.actor, entry.action) == (rita, tutor, Action.PRIVATE_QUESTION_READ)
    assert entry.detail == "Question: Worried"

    with time_machine.travel(start + timedelta(seconds=301), tick=False):
        assert ApiClient(tutor).get(f"/api/v1/threads/{thread.pk}").status_code == 200
    assert AccessLogEntry.objects.count() == 2


def test_an_ordinary_thread_read_by_a_tutor_is_not_logged(people):
    tutor, rita, _, cohort = people
    thread = posts.create_thread(
        board=general_board(cohort), author=rita, title="Open", body="To all"
    )
    assert signed_in(tutor).get(f"/threads/{thread.pk}/").status_code == 200
    assert not AccessLogEntry.objects.exists()


def test_record_access_names_the_actor_and_skips_the_subject_themselves(people):
    tutor, rita, _, cohort = people
    assert record_access(actor=rita, subject=rita, action=Action.ACCOUNT_EXPORTED) is None
    entry = record_access(actor=None, subject=rita, action=Action.ACCOUNT_ERASED, detail="x" * 300)
    assert entry.actor_name == "Staffroom" and len(entry.detail) == 200
    with pytest.raises(ValueError):
        record_access(actor=tutor, subject=rita, action="peeked")


def test_a_member_sees_their_own_entries_paged_and_nobody_else_s(people):
    tutor, rita, sam, cohort = people
    now = timezone.now()
    for i in range(25):
        record_access(
            actor=tutor,
            subject=rita,
            action=Action.PARTICIPATION_EXPORTED,
            cohort=cohort,
            detail=f"export {i:02}",
            now=now + timedelta(minutes=i),
        )
    record_access(actor=tutor, subject=sam, action=Action.PARTICIPATION_EXPORTED, detail="sam's")
    client = signed_in(rita)
    page = client.get(f"/cohorts/{cohort.pk}/my-participation/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Who has looked at your data" in html
    assert html.count('data-access-action="participation_exported"') == 20
    assert "export 24" in html and "export 05" in html and "export 04" not in html
    assert "Tina Tutor" in html and "sam&#x27;s" not in html and "sam's" not in html
    older = page.context["access_pager"]["next_url"]
    html = client.get(older).content.decode()
    assert html.count('data-access-action="participation_exported"') == 5
    assert "export 04" in html and "export 00" in html and "export 05" not in html

    bad = client.get(f"/cohorts/{cohort.pk}/my-participation/?cursor=nonsense")
    assert bad.status_code == 400


def test_a_member_with_no_entries_is_told_so(people):
    _, rita, _, cohort = people
    html = signed_in(rita).get(f"/cohorts/{cohort.pk}/my-participation/").content.decode()
    assert "Nobody has yet." in html


def test_staff_read_every_entry_in_the_admin_and_cannot_change_them(people):
    tutor, rita, _, cohort = people
    entry = record_access(actor=tutor, subject=rita, action=Action.PARTICIPATION_EXPORTED)
    staff = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client = signed_in(staff)
    listing = client.get("/django-admin/mentoring/accesslogentry/")
    assert listing.status_code == 200 and "Tina Tutor" in listing.content.decode()
    assert client.get("/django-admin/mentoring/accesslogentry/add/").status_code == 403
    change = client.post(
        f"/django-admin/mentoring/accesslogentry/{entry.pk}/change/", {"detail": "edited"}
    )
    assert change.status_code == 403
    entry.refresh_from_db()
    assert entry.detail == ""
