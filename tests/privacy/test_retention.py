"""What each retention category deletes, and keeps, at an injected moment."""

from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command

from mentoring.boards.services import posts
from mentoring.models import (
    AccessLogEntry,
    Invitation,
    JoinConfirmation,
    JoinLink,
    LiveEvent,
    Membership,
    MemberWeek,
    Notification,
    ReadEvent,
    RetentionRun,
)
from mentoring.privacy.services.retention import (
    apply_retention,
    months_before,
    read_events_cutoff,
)
from tests.factories import UserFactory, make_cohort
from tests.mentoring.boards_helpers import general_board

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)  # a Wednesday
FILE_BACKEND = "mentoring.core.mail.FilePerMessageBackend"


def _counts(results) -> dict[str, int]:
    return {c.name: c.count for c in results}


@pytest.fixture
def world(settings):
    settings.RETENTION_READ_EVENTS_MONTHS = 12
    settings.RETENTION_READ_NOTIFICATIONS_DAYS = 90
    settings.RETENTION_EXPIRED_INVITATIONS_DAYS = 30
    settings.RETENTION_ACCESS_LOG_DAYS = 365
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    member, tutor = UserFactory(username="rita"), UserFactory(username="tom")
    cohort = make_cohort(name="Kept", tutors=[tutor], members=[member])
    thread = posts.create_thread(
        board=general_board(cohort), author=tutor, title="Hello", body="Hi"
    )
    return member, tutor, cohort, thread


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    assert months_before(datetime(2025, 3, 31, 12, tzinfo=UTC), 1).date() == date(2025, 2, 28)
    assert months_before(datetime(2025, 1, 15, 12, tzinfo=UTC), 12).date() == date(2024, 1, 15)


def test_read_events_go_in_whole_weeks_and_their_buckets_are_recounted(world):
    member, _, cohort, thread = world
    monday, cutoff = read_events_cutoff(NOW, 12)
    assert monday == date(2024, 3, 11) and monday.weekday() == 0
    stale = ReadEvent.objects.create(
        user=member, thread=thread, cohort=cohort, created_at=cutoff - timedelta(seconds=1)
    )
    ReadEvent.objects.create(
        user=member, thread=thread, cohort=cohort, created_at=cutoff - timedelta(seconds=2)
    )
    fresh = ReadEvent.objects.create(user=member, thread=thread, cohort=cohort, created_at=cutoff)
    membership = Membership.objects.get(cohort=cohort, user=member)
    # The bucket was never kept (an import bypassed the read service): the fold counts it.
    assert not MemberWeek.objects.exists()

    dry = _counts(apply_retention(now=NOW, dry_run=True))
    assert dry["read_events"] == 2
    assert ReadEvent.objects.count() == 3 and not MemberWeek.objects.exists()

    assert _counts(apply_retention(now=NOW))["read_events"] == 2
    assert list(ReadEvent.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not ReadEvent.objects.filter(pk=stale.pk).exists()
    week = MemberWeek.objects.get(membership=membership)
    assert (week.week, week.reads) == (monday - timedelta(weeks=1), 2)
    assert RetentionRun.objects.get().counts["read_events"] == 2


def test_read_events_are_kept_at_least_the_trend_s_weeks(world, settings):
    member, _, cohort, thread = world
    settings.RETENTION_READ_EVENTS_MONTHS = 0
    ReadEvent.objects.create(
        user=member, thread=thread, cohort=cohort, created_at=NOW - timedelta(weeks=14)
    )
    assert _counts(apply_retention(now=NOW, dry_run=True))["read_events"] == 0


def test_notifications_go_only_when_read_long_enough_ago(world):
    member, *_ = world
    old_read = Notification.objects.create(
        user=member, kind="system", title="Old", read_at=NOW - timedelta(days=91)
    )
    Notification.objects.create(
        user=member, kind="system", title="Recent", read_at=NOW - timedelta(days=89)
    )
    Notification.objects.create(
        user=member, kind="system", title="Unread", created_at=NOW - timedelta(days=900)
    )
    assert _counts(apply_retention(now=NOW))["notifications"] == 1
    assert not Notification.objects.filter(pk=old_read.pk).exists()
    assert set(Notification.objects.values_list("title", flat=True)) == {"Recent", "Unread"}


def test_invitations_go_when_expired_or_revoked_long_enough_ago(world):
    member, tutor, cohort, _ = world
    long_ago = NOW - timedelta(days=31)

    def invite(email, **fields):
        return Invitation.objects.create(
            cohort=cohort, email=email, expires_at=fields.pop("expires_at", NOW), **fields
        )

    invite("expired@example.test", expires_at=long_ago)
    invite("revoked@example.test", revoked_at=long_ago, expires_at=NOW + timedelta(days=5))
    invite("recent@example.test", expires_at=NOW - timedelta(days=29))
    invite("open@example.test", expires_at=NOW + timedelta(days=5))
    invite("accepted@example.test", expires_at=long_ago, accepted_at=long_ago)
    link = JoinLink.objects.create(cohort=cohort)
    JoinConfirmation.objects.create(
        link=link, email="a@example.test", link_nonce="x", created_at=long_ago - timedelta(days=2)
    )
    JoinConfirmation.objects.create(link=link, email="b@example.test", link_nonce="x")

    counts = _counts(apply_retention(now=NOW))
    assert counts["invitations"] == 2 and counts["join_confirmations"] == 1
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "recent@example.test",
        "open@example.test",
        "accepted@example.test",
    }
    assert JoinConfirmation.objects.get().email == "b@example.test"


def test_live_events_sessions_and_access_log_past_their_window_go(world):
    member, tutor, cohort, _ = world
    two_days_ago = NOW - timedelta(days=2)
    LiveEvent.objects.create(stream="s", seq=1, member_text="{}", created_at=two_days_ago)
    LiveEvent.objects.create(stream="s", seq=2, member_text="{}", created_at=NOW)
    Session.objects.create(session_key="old", session_data="", expire_date=NOW - timedelta(1))
    Session.objects.create(session_key="new", session_data="", expire_date=NOW + timedelta(1))
    for days in (366, 364):
        AccessLogEntry.objects.create(
            actor=tutor,
            actor_name="Tom",
            subject=member,
            action=AccessLogEntry.Action.PARTICIPATION_EXPORTED,
            created_at=NOW - timedelta(days=days),
        )
    counts = _counts(apply_retention(now=NOW))
    assert counts["live_events"] == 1 and counts["sessions"] == 1 and counts["access_log"] == 1
    assert list(LiveEvent.objects.values_list("seq", flat=True)) == [2]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
    assert AccessLogEntry.objects.get().created_at == NOW - timedelta(days=364)


def test_local_mail_files_are_pruned_only_with_the_file_backend(world, settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.RETENTION_LOCAL_MAIL_DAYS = 14
    old, new = tmp_path / "old.eml", tmp_path / "new.eml"
    for path, age in ((old, 15), (new, 13)):
        path.write_text("Subject: hi\n")
        stamp = (NOW - timedelta(days=age)).timestamp()
        os.utime(path, (stamp, stamp))

    assert "local_mail" not in _counts(apply_retention(now=NOW))  # another backend: untouched
    assert old.exists()

    settings.EMAIL_BACKEND = FILE_BACKEND
    assert _counts(apply_retention(now=NOW, dry_run=True))["local_mail"] == 1
    assert old.exists()
    assert _counts(apply_retention(now=NOW))["local_mail"] == 1
    assert not old.exists() and new.exists()


def test_the_command_prints_each_category_and_a_dry_run_deletes_nothing(world):
    member, *_ = world
    Notification.objects.create(
        user=member, kind="system", title="Old", read_at=datetime(2000, 1, 1, tzinfo=UTC)
    )
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert "notifications: 1 notifications read more than 90 days ago" in lines
    assert lines[-1] == "Total: 1 would be deleted (dry run: nothing was deleted)."
    assert Notification.objects.count() == 1
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert out.getvalue().splitlines()[-1] == "Total: 1 deleted."
    assert not Notification.objects.exists()
