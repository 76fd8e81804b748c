"""`make test-fast` (pytest -m "not slow") leaves out the browser, server, worker, Redis and
fault tests, and keeps the rest; `make test` runs everything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def collected(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 5), result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_the_fast_lane_leaves_out_the_slow_tests():
    slow = [
        "tests/browser",
        "tests/platform/test_faults.py",
        "tests/realtime/test_workers.py",
        # Tests that start a server (start_server) or a worker (Popen) among quick ones.
        "tests/platform/test_local_run.py",
        "tests/mentoring/test_scheduling.py",
        "tests/realtime/test_dashboard_live.py",
    ]
    everything = collected(*slow)
    fast = collected("-m", "not slow", *slow)
    left_out = set(everything) - set(fast)
    assert any(t.startswith("tests/browser/") for t in left_out)
    assert any(t.startswith("tests/platform/test_faults.py::") for t in left_out)
    assert any(t.startswith("tests/realtime/test_workers.py::") for t in left_out)
    assert (
        "tests/platform/test_local_run.py::test_a_debug_off_server_shows_the_404_page_not_the_url_list"
        in left_out
    )
    assert (
        "tests/platform/test_local_run.py::test_serve_prints_the_address_last_and_runs_the_resilient_worker"
        in left_out
    )
    assert (
        "tests/mentoring/test_scheduling.py::test_a_fresh_worker_publishes_what_was_queued_before_a_restart"
        in left_out
    )
    assert (
        "tests/realtime/test_dashboard_live.py::test_tutor_on_one_process_sees_a_read_served_by_another"
        in left_out
    )
    assert not any(t.startswith(("tests/browser/", "tests/platform/test_faults.py")) for t in fast)
    # The quick tests of the same files stay in the fast lane.
    assert "tests/platform/test_local_run.py::test_favicon_ico_leads_to_the_icon" in fast
    assert "tests/mentoring/test_scheduling.py::test_members_see_nothing_before_publication" in fast
