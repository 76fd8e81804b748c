"""Background mail: bodies from templates, sent outside the claiming transaction, and a failed
send hands the claim back so a retry can send it."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from mentoring.models import Notification, User
from mentoring.notifications.services.notifications import Notice, notify, notify_many
from mentoring.notifications.services.tasks import send_daily_digest, send_notification_email
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_the_email_is_sent_after_the_claim_committed_with_no_row_locked():
    user = UserFactory(username="reader", email="reader@example.org")
    notification = notify(user=user, kind="system", title="Hello", body="Body & <text>", url="/x/")
    seen = {}

    def fake_send_mail(**kwargs):
        seen["in_transaction"] = connection.in_atomic_block
        seen["emailed_at"] = Notification.objects.get(pk=notification.pk).emailed_at
        seen["message"] = kwargs["message"]
        return 1

    with mock.patch("mentoring.notifications.services.tasks.send_mail", side_effect=fake_send_mail):
        assert send_notification_email.call(notification.pk) is True
    assert seen["in_transaction"] is False  # no SMTP while holding row locks
    assert seen["emailed_at"] is not None  # claimed (committed) before sending
    # The template does not HTML-escape a plain-text email.
    assert seen["message"].startswith("Body & <text>") and seen["message"].rstrip().endswith("/x/")


@pytest.mark.django_db
def test_a_failed_send_gives_the_claim_back():
    user = UserFactory(username="reader", email="reader@example.org")
    notification = notify(user=user, kind="system", title="Hello")
    failing = mock.patch(
        "mentoring.notifications.services.tasks.send_mail", side_effect=OSError("down")
    )
    with failing, pytest.raises(OSError):
        send_notification_email.call(notification.pk)
    assert Notification.objects.get(pk=notification.pk).emailed_at is None
    assert send_notification_email.call(notification.pk) is True
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "[Staffroom] Hello"


@pytest.mark.django_db
def test_a_failed_digest_gives_every_claim_back():
    user = UserFactory(username="daily", email="d@example.org")
    User.objects.filter(pk=user.pk).update(email_preference=User.EmailPreference.DAILY)
    user.refresh_from_db()
    notify_many([Notice(user=user, kind="system", title=f"News {n}") for n in range(3)])
    failing = mock.patch(
        "mentoring.notifications.services.tasks.send_mail", side_effect=OSError("down")
    )
    with failing, pytest.raises(OSError):
        send_daily_digest.call(user.pk)
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()
    assert send_daily_digest.call(user.pk) == 3
    body = mail.outbox[0].body
    assert all(f"* News {n}" in body for n in range(3))
    assert "/settings/notifications/" in body


@pytest.mark.django_db
def test_notify_many_writes_every_notification_in_one_insert(django_assert_max_num_queries):
    people = [UserFactory(username=f"m{n}") for n in range(20)]
    with django_assert_max_num_queries(3):
        created = notify_many(Notice(user=u, kind="system", title="All") for u in people)
    assert len(created) == 20 and all(n.pk for n in created)
    assert Notification.objects.filter(title="All", created_at__lte=timezone.now()).count() == 20
