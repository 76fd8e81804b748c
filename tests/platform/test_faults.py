"""PostgreSQL goes away and comes back: the web server and the task worker carry on without a
restart (issue 9 #10). Only this checkout's own cluster is restarted (platform/services.sh)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mentoring.management.commands.run_worker import drop_connections
from tests.conftest import ROOT, database_url_for_servers, session_cookie_for, stop_process
from tests.factories import UserFactory
from tests.platform.fault_tasks import leave_a_mark


def _health(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _status(url: str, *, data: bytes | None = None, cookie: str = "") -> int:
    """The status of a GET (or, with ``data``, a POST without a CSRF token: a 403 page)."""
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _error_pages(url: str, cookie: str = "") -> tuple[int, int]:
    return (
        _status(url + "/no/such/page/", cookie=cookie),
        _status(url + "/cohorts/new/", data=b"name=x", cookie=cookie),
    )


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _services(command: str) -> None:
    subprocess.run(["platform/services.sh", command], cwd=ROOT, check=True, capture_output=True)


@pytest.mark.django_db(transaction=True)
def test_server_and_worker_recover_from_a_postgresql_restart(start_server, tmp_path: Path):
    server = start_server({"DB_POOL_TIMEOUT": "2"})
    cookie = session_cookie_for(UserFactory())
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url_for_servers(),
        PYTHONUNBUFFERED="1",
    )
    worker_log = tmp_path / "worker.log"
    with worker_log.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--interval",
                "0.2",
                "--max-backoff",
                "2",
                "--no-startup-delay",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        assert _health(server.url) == 200
        assert _error_pages(server.url, cookie) == (404, 403)
        _wait_for(lambda: "Starting worker" in worker_log.read_text(), 20, "the worker")

        _services("stop")
        try:
            _wait_for(lambda: _health(server.url) == 503, 15, "/healthz to answer 503")
            _wait_for(
                lambda: "Database unavailable" in worker_log.read_text(), 15, "the worker to notice"
            )
            time.sleep(1)
        finally:
            _services("start")
            drop_connections()  # this process's own connections died with the server

        _wait_for(lambda: _health(server.url) == 200, 20, "/healthz to answer 200 again")
        # Error pages too (Django renders them in a thread of its own): 404 and 403, not 500.
        assert [_error_pages(server.url, cookie) for _ in range(5)] == [(404, 403)] * 5
        assert worker.poll() is None, worker_log.read_text()
        mark = tmp_path / "mark"
        leave_a_mark.enqueue(str(mark))
        _wait_for(mark.exists, 20, "the worker to run a task enqueued after the outage")
    finally:
        stop_process(worker, grace=20)


@pytest.mark.django_db(transaction=True)
def test_error_pages_answer_after_the_servers_connections_were_cut(start_server):
    """What a PostgreSQL restart does to a running server, for it alone: every connection it
    holds is cut. Error pages rendered before (Django renders them in a thread of its own, which
    kept its connection unchecked) answered 500 from then on; they need no database now."""
    from django.db import connection

    server = start_server({"DB_POOL_TIMEOUT": "2"})
    cookie = session_cookie_for(UserFactory())  # signed in: the old 404 page counted unread
    assert [_error_pages(server.url, cookie) for _ in range(5)] == [(404, 403)] * 5
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] > 0
    _wait_for(lambda: _health(server.url) == 200, 20, "/healthz to answer 200 again")
    assert [_error_pages(server.url, cookie) for _ in range(10)] == [(404, 403)] * 10
