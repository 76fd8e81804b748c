"""What `make run` shows a developer and a visitor: e-mail in files, the product's own error
pages, a favicon, and a Makefile whose promises hold."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_unknown_urls_show_the_products_own_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'class="site-header"' in html
    assert "mentoring/favicon.svg" in html
    assert "URLconf" not in html  # not Django's technical page


def test_server_errors_show_the_products_own_500():
    from django.template.loader import render_to_string

    # Rendered as Django's handler500 does: no request, no context processors.
    html = render_to_string("500.html")
    assert "Something went wrong" in html and "mentoring/staffroom.css" in html


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("mentoring/favicon.svg")
    assert (ROOT / "mentoring/static/mentoring/favicon.svg").read_text().startswith("<svg")


def test_a_debug_off_server_shows_the_404_page_not_the_url_list(start_server):
    server = start_server({"DEBUG": "false"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{server.url}/no/such/page/", timeout=10)
    assert refused.value.code == 404
    assert "Page not found" in refused.value.read().decode()


def test_make_services_builds_the_venv_first():
    database = subprocess.run(
        ["make", "-pn", "services"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert re.search(r"^services: .*\bvenv\b", database, re.MULTILINE)


def test_serve_prints_the_address_last_and_runs_the_resilient_worker(tmp_path):
    """platform/serve.sh (make run's last step) on the local database: the serve line comes
    last, once the server answers; debug is off; the worker is run_worker, not autoreloaded."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(PORT=str(port), DATABASE_URL=local_database_url())
    process = subprocess.Popen(
        ["platform/serve.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if line.startswith("serve: Staffroom on"):
                break
        assert lines and lines[-1].startswith(f"serve: Staffroom on http://127.0.0.1:{port}/"), (
            lines
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no/such/page/", timeout=10)
        assert "Page not found" in refused.value.read().decode()
        children = subprocess.run(
            ["ps", "-o", "args=", "--ppid", str(process.pid)], capture_output=True, text=True
        ).stdout
        assert "manage.py run_worker" in children and "--reload" not in children
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def local_database_url() -> str:
    """The checkout's own database (`make run`'s), whatever the tests point DATABASE_URL at."""
    for line in (ROOT / "var" / "services.env").read_text().splitlines():
        if line.startswith("DATABASE_URL="):
            return line.partition("=")[2]
    raise AssertionError("var/services.env has no DATABASE_URL; run make services")
