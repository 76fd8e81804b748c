"""Shared by the invitation tests: rosters as bytes, running the worker, links in e-mails."""

from __future__ import annotations

import re

from django.core import mail


def csv_bytes(*lines: str, bom: bool = False, sep: str = ",") -> bytes:
    text = "\n".join(line.replace(",", sep) for line in lines) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def run_worker() -> None:
    """What ``db_worker --batch`` does, inside the test's transaction: run every queued task.

    (The worker command itself closes the database connection, which the test transaction
    cannot survive.)"""
    from django_tasks_db.models import DBTaskResult

    for result in DBTaskResult.objects.ready().order_by("enqueued_at"):
        value = result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        result.claim("test-worker")
        result.set_successful(value)


def link_in(message, prefix: str) -> str:
    match = re.search(rf"https?://[^\s/]+(/{prefix}/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def mail_to(address: str):
    return [m for m in mail.outbox if address in m.to]
