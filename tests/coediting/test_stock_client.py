"""A stock y-websocket client (npm's y-websocket, yjs and ws under node, nothing of ours but the
session cookie) syncs with the solution socket of a real server (issue 22): it reads the
``Y.Text`` named ``solution``, writes to it, and another stock client sees what it wrote; a
tutor's client is told "read-only" and its write goes nowhere; an outsider's is closed with 4403."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import session_cookie_for
from tests.frontend import build_frontend

pytestmark = [pytest.mark.django_db(transaction=True)]

SCRIPT = Path(__file__).with_name("stock_client.mjs")


def stock_client(live_url: str, group, user, **options: str) -> dict:
    """Run tests/coediting/stock_client.mjs as ``user`` on ``group``'s document."""
    build_frontend()
    node = shutil.which("node")
    assert node, "node is missing (platform/system-packages.sh installs it)"
    base = live_url.replace("http", "ws", 1) + f"/ws/groups/{group.pk}"
    args = [node, str(SCRIPT), base, session_cookie_for(user)]
    for name, value in options.items():
        args += [f"--{name}", value]
    result = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_stock_client_writes_and_another_reads(live_url, group, members):
    first = stock_client(live_url, group, members[0], append="Meet them at the door. ")
    assert first["closed"] is None and first["synced"] is True
    assert first["text"] == "Meet them at the door. "

    second = stock_client(
        live_url, group, members[1], append="Then a Do Now task.", expect="Meet them"
    )
    assert second["text"] == "Meet them at the door. Then a Do Now task."

    # A fresh client, from the server's store alone.
    third = stock_client(live_url, group, members[2], expect="Do Now")
    assert third["text"] == "Meet them at the door. Then a Do Now task."
    assert third["readOnly"] is False


def test_a_tutor_reads_but_does_not_write(live_url, group, members, tutor):
    stock_client(live_url, group, members[0], append="Our plan.")
    seen = stock_client(live_url, group, tutor, append=" A tutor's line.", expect="Our plan.")
    assert seen["readOnly"] is True
    after = stock_client(live_url, group, members[1], expect="Our plan.")
    assert after["text"] == "Our plan."


def test_an_outsider_is_closed_with_4403(live_url, group, outsider):
    refused = stock_client(live_url, group, outsider, timeout="5000")
    assert refused["closed"] is not None and refused["closed"]["code"] == 4403
    assert refused["text"] == ""
