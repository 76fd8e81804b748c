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
from tests.conftest import ROOT, database_url_for_servers
from tests.platform.fault_tasks import leave_a_mark


def _health(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


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
        assert worker.poll() is None, worker_log.read_text()
        mark = tmp_path / "mark"
        leave_a_mark.enqueue(str(mark))
        _wait_for(mark.exists, 20, "the worker to run a task enqueued after the outage")
    finally:
        worker.terminate()
        worker.wait(timeout=20)
