"""``log.append_many``: one statement logs an event on each of many streams (a post told to
its watchers), with each stream's next seq, as ``append`` one by one would (issue 24)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentoring.models import LiveEvent
from mentoring.realtime import log

pytestmark = pytest.mark.django_db


def logged(stream: str) -> list[tuple[int, str, str | None]]:
    return list(
        LiveEvent.objects.filter(stream=stream)
        .order_by("seq")
        .values_list("seq", "member_text", "tutor_text")
    )


def test_many_streams_in_one_statement_each_with_its_next_seq():
    log.append("user.2", '{"type":"a"}', None)
    log.append("user.2", '{"type":"b"}', None)
    entries = [
        ("user.3", '{"type":"x3"}', None),
        ("user.2", '{"type":"x2"}', '{"type":"t2"}'),
        ("user.1", '{"type":"x1"}', None),
    ]
    with CaptureQueriesContext(connection) as queries:
        seqs = log.append_many(entries)
    assert len(queries) == 1
    assert seqs == [1, 3, 1]  # in the entries' order, not the streams'
    assert logged("user.2")[-1] == (3, '{"type":"x2"}', '{"type":"t2"}')
    assert logged("user.3") == [(1, '{"type":"x3"}', None)]
    assert log.append("user.1", '{"type":"next"}', None) == 2


def test_a_stream_named_twice_still_counts_up_once_each():
    seqs = log.append_many([("user.5", '{"type":"a"}', None), ("user.5", '{"type":"b"}', None)])
    assert seqs == [1, 2]
    assert [text for _, text, _ in logged("user.5")] == ['{"type":"a"}', '{"type":"b"}']


def test_the_batch_trims_each_stream_as_append_does(monkeypatch):
    monkeypatch.setattr(log, "KEEP", 2)
    monkeypatch.setattr(log, "TRIM_EVERY", 3)
    for _ in range(3):
        log.append_many([("s.a", '{"type":"x"}', None), ("s.b", '{"type":"y"}', None)])
    assert [seq for seq, _, _ in logged("s.a")] == [2, 3]
    assert [seq for seq, _, _ in logged("s.b")] == [2, 3]


def test_a_notifications_event_is_built_as_the_schema_would_validate_it(members):
    from mentoring.notifications import events
    from mentoring.notifications.schemas import NotificationCreated
    from mentoring.notifications.selectors import notification_payload
    from mentoring.notifications.services.notifications import notify
    from mentoring.realtime.events import encode

    notification = notify(user=members[0], kind="watched", title="“Quoted” é", body="<b>x</b>")
    validated = NotificationCreated(notification=notification_payload(notification))
    assert encode(events._created(notification)) == encode(validated)


def test_notifications_are_written_in_one_statement_and_read_back_the_same(cohort, members):
    from mentoring.models import Notification, User
    from mentoring.notifications.services.notifications import Notice, notify_many

    members[1].email_preference = User.EmailPreference.IMMEDIATE
    notices = [
        Notice(user=m, kind=Notification.Kind.WATCHED, title=f"T{i} “é”", body="b", cohort=cohort)
        for i, m in enumerate(members)
    ]
    with CaptureQueriesContext(connection) as queries:
        created = notify_many(notices)
    inserts = [q for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    assert len(inserts) == 1
    fields = ["id", "user_id", "kind", "title", "body", "cohort_id", "created_at", "email_due_at"]
    assert [{f: getattr(n, f) for f in fields} for n in created] == list(
        Notification.objects.filter(pk__in=[n.pk for n in created]).order_by("pk").values(*fields)
    )
    assert created[0].kind == "watched" and created[1].email_due_at is not None
    assert (
        created[0].created_at.microsecond
        == Notification.objects.get(pk=created[0].pk).created_at.microsecond
    )
