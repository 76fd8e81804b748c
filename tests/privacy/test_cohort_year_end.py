"""Cohort year end, for the records and for retention: the tutors' records ZIP, and the
archived cohort's deletion by ``apply_retention`` after its period, with one reminder before."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from mentoring.boards.services import posts
from mentoring.cohorts.services import archive_cohort
from mentoring.models import (
    AccessLogEntry,
    Board,
    Cohort,
    Membership,
    Notification,
    Post,
    ReadEvent,
    Thread,
)
from mentoring.privacy.services.retention import apply_retention
from tests.factories import UserFactory, make_cohort, signed_in
from tests.mentoring.boards_helpers import general_board

pytestmark = pytest.mark.django_db

ARCHIVED_AT = datetime(2025, 7, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def year(settings):
    settings.RETENTION_ARCHIVED_COHORT_DAYS = 365
    settings.RETENTION_ARCHIVED_COHORT_REMINDER_DAYS = 30
    tutor = UserFactory(username="tutor_year", display_name="Tina Tutor")
    anna = UserFactory(username="anna", display_name="Anna Author")
    ben = UserFactory(username="ben", display_name="Ben Builder")
    cohort = make_cohort(
        name="Year 2025", tutors=[tutor], members=[anna, ben], allow_anonymous_to_peers=True
    )
    board = general_board(cohort)
    thread = posts.create_thread(
        board=board,
        author=anna,
        title="Behaviour in Year 9",
        body="Secretly worried",
        anonymous=True,
    )
    taken_back = posts.create_post(thread=thread, author=ben, body="Words taken back")
    posts.create_post(thread=thread, author=anna, body="Reply under it", reply_to=taken_back)
    posts.retract_post(post=taken_back, by=ben)
    other = make_cohort(name="Still running", members=[ben])
    return {"tutor": tutor, "anna": anna, "ben": ben, "cohort": cohort, "other": other}


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_records_zip_holds_the_table_and_the_boards_as_the_tutors_see_them(year):
    cohort = year["cohort"]
    archive_cohort(cohort=cohort, by=year["tutor"], now=ARCHIVED_AT)
    response = signed_in(year["tutor"]).get(f"/cohorts/{cohort.pk}/records.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = _zip(response)
    names = set(archive.namelist())
    boards = Board.objects.filter(cohort=cohort)
    assert names == {"participation.csv", "index.html"} | {f"boards/{b.pk}.html" for b in boards}
    table = archive.read("participation.csv").decode("utf-8-sig")
    assert table.splitlines()[0].startswith("username,display_name,status")
    assert "anna" in table and "ben" in table and "tutor_year" not in table
    page = archive.read(f"boards/{general_board(cohort).pk}.html").decode()
    assert "Behaviour in Year 9" in page
    # Tutors see who wrote anonymously; a retracted post is a tombstone without its words.
    assert "Anna Author" in page and "anonymous to peers" in page
    assert "Secretly worried" in page and "Reply under it" in page
    assert "This post was retracted by its author." in page
    assert "Words taken back" not in page
    # Each member named in the table sees that it was exported.
    assert AccessLogEntry.objects.filter(
        subject=year["anna"], cohort=cohort, action="participation_exported"
    ).exists()


@pytest.mark.parametrize("who", ["anna", "ben", "stranger", "other_tutor"])
def test_the_records_are_for_the_cohorts_tutors_only(year, who):
    cohort = year["cohort"]
    user = {
        "stranger": UserFactory(username="stranger"),
        "other_tutor": year["other"].memberships.get(role="tutor").user,
    }.get(who) or year[who]
    assert signed_in(user).get(f"/cohorts/{cohort.pk}/records.zip").status_code == 404
    assert signed_in(year["tutor"]).get("/cohorts/999999/records.zip").status_code == 404


def _counts(results) -> dict[str, int]:
    return {c.name: c.count for c in results}


def test_a_dry_run_counts_the_archived_cohort_past_its_period_and_deletes_nothing(year):
    cohort = year["cohort"]
    archive_cohort(cohort=cohort, by=year["tutor"], now=ARCHIVED_AT)
    before = _counts(apply_retention(now=ARCHIVED_AT + timedelta(days=364), dry_run=True))
    assert before["archived_cohorts"] == 0
    after = _counts(apply_retention(now=ARCHIVED_AT + timedelta(days=366), dry_run=True))
    assert after["archived_cohorts"] == 1
    assert Cohort.objects.filter(pk=cohort.pk).exists()
    assert Post.objects.filter(cohort=cohort).exists()


def test_a_real_run_deletes_the_archived_cohort_and_all_it_holds(year):
    cohort, other = year["cohort"], year["other"]
    ReadEvent.objects.create(
        cohort=cohort, user=year["anna"], thread=Thread.objects.filter(cohort=cohort).first()
    )
    archive_cohort(cohort=cohort, by=year["tutor"], now=ARCHIVED_AT)
    assert _counts(apply_retention(now=ARCHIVED_AT + timedelta(days=300)))["archived_cohorts"] == 0
    assert Cohort.objects.filter(pk=cohort.pk).exists()
    counts = _counts(apply_retention(now=ARCHIVED_AT + timedelta(days=366)))
    assert counts["archived_cohorts"] == 1
    assert not Cohort.objects.filter(pk=cohort.pk).exists()
    for model in (Board, Thread, Post, Membership, ReadEvent, Notification):
        assert not model.objects.filter(cohort_id=cohort.pk).exists(), model
    # The other cohort, and the people, stay.
    assert Cohort.objects.filter(pk=other.pk).exists()
    assert Membership.objects.filter(cohort=other, user=year["ben"]).exists()
    assert year["anna"].__class__.objects.filter(pk=year["anna"].pk).exists()


def test_the_tutors_are_reminded_once_before_the_deletion(year, django_capture_on_commit_callbacks):
    cohort, tutor = year["cohort"], year["tutor"]
    archive_cohort(cohort=cohort, by=tutor, now=ARCHIVED_AT)

    def reminders():
        return Notification.objects.filter(user=tutor, cohort=cohort, title__contains="deleted on")

    apply_retention(now=ARCHIVED_AT + timedelta(days=334))  # 31 days before: not yet
    assert not reminders().exists()
    # A dry run within the window counts it but sends nothing.
    dry = _counts(apply_retention(now=ARCHIVED_AT + timedelta(days=336), dry_run=True))
    assert dry["archived_cohort_reminders"] == 1 and not reminders().exists()
    with django_capture_on_commit_callbacks(execute=True):
        counts = _counts(apply_retention(now=ARCHIVED_AT + timedelta(days=336)))
    assert counts["archived_cohort_reminders"] == 1
    (reminder,) = reminders()
    assert reminder.title == "Year 2025 will be deleted on 20 July 2026"
    assert reminder.url == f"/cohorts/{cohort.pk}/settings/"
    assert not reminders().filter(user__in=[year["anna"], year["ben"]]).exists()
    cohort.refresh_from_db()
    assert cohort.deletion_reminder_sent_at == ARCHIVED_AT + timedelta(days=336)
    # Once only.
    apply_retention(now=ARCHIVED_AT + timedelta(days=340))
    assert reminders().count() == 1
