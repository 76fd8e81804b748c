"""The background queue's table holds row ids only (docs/features.md: "a database copy alone opens
nothing"). ``django_tasks_database_dbtaskresult.args_kwargs`` is as readable as any table, so
no task may be handed a link, a token, an address or the text of an e-mail: each task path is
taken here the way the site takes it, and every argument queued must be a plain integer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentoring.boards.services.posts import create_post, create_thread
from mentoring.boards.services.scheduling import schedule_thread
from mentoring.inbox.services.digest import queue_weekly_digests
from mentoring.invitations.services.invitations import (
    configure_join_link,
    invite_emails,
    resend_invitation,
    resend_pending,
)
from mentoring.models import Board, Invitation, Notification, OutgoingMail, User
from mentoring.notifications.services.tasks import queue_daily_digests
from tests.invitations.helpers import link_in, mail_to, run_worker

pytestmark = pytest.mark.django_db

SECRET_SIGNS = ("http", "/invitations/", "/join/", "@", "token", "password", ".", ":")


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _queue_every_task(cohort, tutor, members, outsider, on_commit) -> None:
    with on_commit(execute=True):
        invite_emails(cohort=cohort, by=tutor, emails=["one@uni.example", "two@uni.example"])
    with on_commit(execute=True):
        resend_invitation(invitation=Invitation.objects.get(email="one@uni.example"), by=tutor)
    with on_commit(execute=True):
        resend_pending(cohort=cohort, by=tutor)
    link = configure_join_link(cohort=cohort, by=tutor, enabled=True)
    with on_commit(execute=True):
        Client().post(f"/join/{link.token}/", {"email": "joiner@uni.example"})
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    with on_commit(execute=True):  # a member's thread: the tutors' unanswered check
        thread = create_thread(board=board, author=members[0], title="Help", body="Year 9")
    with on_commit(execute=True):  # a reply: its notification's e-mail
        create_post(thread=thread, author=members[1], body="Secret reply text", reply_to=None)
    with on_commit(execute=True):  # a scheduled prompt
        schedule_thread(
            board=board,
            author=tutor,
            title="Week 2",
            body="Prompt text",
            publish_at=timezone.now() + timedelta(hours=1),
        )
    User.objects.filter(pk=members[0].pk).update(email_preference=User.EmailPreference.DAILY)
    Notification.objects.create(user=members[0], kind="system", title="Daily thing", url="/")
    queue_daily_digests()
    queue_weekly_digests()
    # allauth's e-mails: a password reset for an account and for an unknown address.
    for email in (members[0].email, "stranger@uni.example"):
        Client().post("/accounts/password/reset/", {"email": email})


def test_no_queued_task_argument_is_a_link_an_address_or_text(
    cohort, tutor, members, outsider, django_capture_on_commit_callbacks, settings
):
    settings.ACCOUNT_MAIL_TASK_BACKEND = "default"  # the real queue, as in production
    _queue_every_task(cohort, tutor, members, outsider, django_capture_on_commit_callbacks)
    queued = list(DBTaskResult.objects.all())
    names = {result.task_path.rpartition(".")[2] for result in queued}
    assert names >= {
        "send_invitation_batch",
        "send_invitation",
        "send_join_confirmation",
        "check_unanswered",
        "send_notification_email",
        "publish_scheduled",
        "send_daily_digest",
        "send_weekly_digest",
        "send_account_mail",
    }, names
    for result in queued:
        for value in _leaves(result.args_kwargs):
            assert isinstance(value, int) and not isinstance(value, bool), (
                result.task_path,
                result.args_kwargs,
            )
        text = " ".join(str(value) for value in _leaves(result.args_kwargs))
        assert not any(sign in text for sign in SECRET_SIGNS), (result.task_path, text)


def test_a_queued_password_reset_holds_no_link_until_it_is_sent(members, settings):
    """The e-mail waits as a row whose body has a placeholder where the link goes; the link
    is made when the worker sends it, and the row is then gone."""
    settings.ACCOUNT_MAIL_TASK_BACKEND = "default"
    Client().post("/accounts/password/reset/", {"email": members[0].email})
    [queued] = DBTaskResult.objects.filter(task_path__endswith="send_account_mail")
    [mail_id] = queued.args_kwargs["args"]
    stored = OutgoingMail.objects.get(pk=mail_id)
    assert "/password/reset/key/" not in stored.body + stored.html_body
    run_worker()
    path = link_in(mail_to(members[0].email)[0], "accounts/password/reset/key")
    assert path.rstrip("/").rpartition("/")[2] not in json.dumps(queued.args_kwargs)
    assert not OutgoingMail.objects.exists()
    assert Client().get(path).status_code == 302  # to the new-password form


def test_the_join_confirmation_link_is_rebuilt_when_sent_and_the_queue_alone_opens_nothing(
    cohort, tutor, django_capture_on_commit_callbacks
):
    link = configure_join_link(cohort=cohort, by=tutor, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(f"/join/{link.token}/", {"email": "copy@uni.example"})
    [queued] = DBTaskResult.objects.filter(task_path__endswith="send_join_confirmation")
    [confirmation_id] = queued.args_kwargs["args"]
    # What a copy of the database holds: the row id. A guess from it is not a link.
    assert Client().get(f"/join/confirm/{confirmation_id}/").status_code == 404
    assert Client().get(f"/join/confirm/{confirmation_id}.0/").status_code == 404
    run_worker()
    path = link_in(mail_to("copy@uni.example")[0], "join/confirm")
    assert path.startswith(f"/join/confirm/{confirmation_id}.")
    assert path.rstrip("/").rpartition("/")[2] not in json.dumps(queued.args_kwargs)
    assert Client().get(path).status_code == 200
