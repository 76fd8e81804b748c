"""The tutors' weekly digest: new alerts and the inbox, per email preference, once a week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentoring.boards.services import posts
from mentoring.inbox.services.digest import send_weekly_digest
from mentoring.models import Cohort, Membership, User
from tests.factories import UserFactory, make_cohort
from tests.mentoring.boards_helpers import private_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(db):
    tess = UserFactory(username="tess", display_name="Tess Tutor", email_preference="immediate")
    dan = UserFactory(username="dan", display_name="Dan Daily", email_preference="daily")
    olly = UserFactory(username="olly", display_name="Olly Off", email_preference="off")
    quiet, asker = UserFactory(username="quiet"), UserFactory(username="asker")
    cohort = make_cohort(name="Digest", tutors=[tess, dan, olly], members=[quiet, asker])
    Membership.objects.filter(cohort=cohort, user=quiet).update(
        last_seen_at=timezone.now() - timedelta(days=20), threads_read=3
    )
    Membership.objects.filter(cohort=cohort, user=asker).update(last_seen_at=timezone.now())
    posts.create_thread(
        board=private_board(cohort), author=asker, title="Behaviour plan?", body="Help"
    )
    mail.outbox.clear()
    return cohort


def test_digest_lists_new_alerts_and_the_inbox_for_tutors_who_want_email(cohort):
    assert send_weekly_digest.call(cohort.pk) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["dan@example.test", "tess@example.test"]
    body = mail.outbox[0].body
    assert "Quiet (quiet) — Went quiet: Active before, then nothing for 20 days" in body
    assert "Private question: “Behaviour plan?” by Asker" in body
    assert f"/cohorts/{cohort.pk}/inbox/" in body
    assert "1 waiting, 1 new alert" in mail.outbox[0].subject


def test_next_weeks_digest_only_calls_new_alerts_new(cohort):
    send_weekly_digest.call(cohort.pk)
    Cohort.objects.filter(pk=cohort.pk).update(
        weekly_digest_sent_at=timezone.now() - timedelta(days=7)
    )
    mail.outbox.clear()
    assert send_weekly_digest.call(cohort.pk) == 2
    body = mail.outbox[0].body
    assert "New early warnings (0):" in body and "Members with any alert now: 1." in body


def test_queued_twice_in_a_week_sends_once(cohort):
    assert send_weekly_digest.call(cohort.pk) == 2
    assert send_weekly_digest.call(cohort.pk) == 0
    assert len(mail.outbox) == 2


def test_the_command_queues_one_per_cohort(cohort):
    from django_tasks_db.models import DBTaskResult

    User.objects.filter(username="olly").update(email_preference="immediate")
    call_command("send_weekly_digests")
    queued = DBTaskResult.objects.filter(task_path__endswith="send_weekly_digest")
    assert [r.args_kwargs["args"] for r in queued] == [[cohort.pk]]


def test_the_digest_is_sent_outside_its_transaction_and_a_failure_gives_the_week_back(cohort):
    from unittest import mock

    from django.db import connection

    seen = []
    # pytest-django wraps the test in its own transaction: compare with the depth it leaves.
    depth = len(connection.savepoint_ids)

    def failing_send_mail(**kwargs):
        seen.append(len(connection.savepoint_ids) == depth)
        raise OSError("mail server down")

    with (
        mock.patch("mentoring.inbox.services.digest.send_mail", side_effect=failing_send_mail),
        pytest.raises(OSError),
    ):
        send_weekly_digest.call(cohort.pk)
    assert seen == [True]  # not inside the claiming transaction (no savepoint held)
    assert Cohort.objects.get(pk=cohort.pk).weekly_digest_sent_at is None  # the week given back
    assert send_weekly_digest.call(cohort.pk) == 2  # the retry sends it, new alerts included
    assert "Quiet (quiet)" in mail.outbox[0].body
