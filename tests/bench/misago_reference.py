"""Misago beside Staffroom: installed from PyPI into its own venv, on its own database, served
by uvicorn like Staffroom, posted to through its REST API with a signed-in session and CSRF.

Used by ``bench_posting_cpu``. Misago pins its own Django (4.2), so it never goes into the
project's venv: ``var/bench/misago-venv`` is created on first use (``pip install
misago==MISAGO_VERSION`` and the uvicorn the project pins) and kept for later runs. Its database
(``<bench database>_misago``) and media directory are created for the run and dropped after it.
The project module it runs, ``tests/bench/misago_project``, holds only settings and URLs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

from tests.bench.common import BENCH_DB, ROOT, admin_conninfo

MISAGO_VERSION = "0.39.6"
VENV = ROOT / "var" / "bench" / "misago-venv"
# Misago's reply tasks go to this Redis database of the project-local Redis (no worker reads
# them; the bench deletes them), else to Kombu's in-process memory transport.
BROKER_DB = 15


def venv_python() -> Path:
    """Misago's venv, created and installed from PyPI the first time (about a minute)."""
    import uvicorn

    python = VENV / "bin" / "python"
    marker = VENV / f".installed-misago-{MISAGO_VERSION}-uvicorn-{uvicorn.__version__}"
    if not marker.exists():
        print(f"Installing misago=={MISAGO_VERSION} into {VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                f"misago=={MISAGO_VERSION}",
                f"uvicorn=={uvicorn.__version__}",
            ],
            check=True,
        )
        marker.touch()
    return python


def _broker_url() -> str:
    services = ROOT / "var" / "services.env"
    redis_url = os.environ.get("LOCAL_REDIS_URL", "")
    if not redis_url and services.exists():
        for line in services.read_text().splitlines():
            if line.startswith("LOCAL_REDIS_URL="):
                redis_url = line.split("=", 1)[1].strip()
    parsed = urllib.parse.urlsplit(redis_url)
    if parsed.scheme == "unix":
        return f"redis+socket://{parsed.path}?virtual_host={BROKER_DB}"
    if parsed.scheme in ("redis", "rediss"):
        return urllib.parse.urlunsplit(parsed._replace(path=f"/{BROKER_DB}"))
    return "memory://"


class Misago:
    """Misago's database, members, a thread to reply to, and a uvicorn process serving it."""

    def __init__(self, members: int) -> None:
        import dj_database_url

        self.python = venv_python()
        self.database = f"{BENCH_DB}_misago"
        self.media = ROOT / "var" / "bench" / f"misago-media-{self.database}"
        self.broker = _broker_url()
        cfg = dj_database_url.parse(os.environ["BENCH_DATABASE_URL"])
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.bench.misago_project.settings",
            "MISAGO_DB_NAME": self.database,
            "MISAGO_DB_USER": cfg["USER"] or "",
            "MISAGO_DB_PASSWORD": cfg["PASSWORD"] or "",
            "MISAGO_DB_HOST": cfg["HOST"] or "",
            "MISAGO_DB_PORT": str(cfg["PORT"] or ""),
            "MISAGO_MEDIA_ROOT": str(self.media),
            "MISAGO_BROKER_URL": self.broker,
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("DATABASE_URL", "BENCH_DATABASE_URL", "PYTHONPATH"):
            self.env.pop(name, None)
        self.conninfo = admin_conninfo(os.environ["BENCH_DATABASE_URL"])
        bench_url = urllib.parse.urlsplit(os.environ["BENCH_DATABASE_URL"])
        self.own_conninfo = admin_conninfo(
            urllib.parse.urlunsplit(bench_url._replace(path=f"/{self.database}"))
        )
        self._drop()
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.media.mkdir(parents=True, exist_ok=True)
        try:
            seeded = subprocess.run(
                [str(self.python), "-m", "tests.bench.misago_project.seed", str(members)],
                cwd=ROOT,
                env=self.env,
                check=True,
                capture_output=True,
                text=True,
            )
        except subprocess.CalledProcessError as error:
            self.close()
            raise RuntimeError(f"Misago's seeding failed:\n{error.stderr}") from error
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.thread: int = seed["thread"]
        self.usernames: list[str] = seed["usernames"]
        self.password: str = seed["password"]
        self.process = None

    def serve(self):
        from tests.conftest import free_port, wait_for_http

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(ROOT / "var" / f"bench-misago-{port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(self.python),
                "-m",
                "uvicorn",
                "tests.bench.misago_project.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(self.url + "/api/auth/")
        except Exception:
            self.stop()
            raise
        return self

    def sign_in_all(self) -> list[dict[str, str]]:
        """Each member signs in through ``POST /api/auth/`` (CSRF as Misago's front end sends
        it); returns each one's request headers: session and CSRF cookies, ``X-CSRFToken``."""
        import httpx

        headers = []
        with httpx.Client(base_url=self.url, timeout=60) as client:
            client.get("/")  # the anonymous CSRF cookie, as a first page view sets it
            anonymous = client.cookies["csrftoken"]
            for username in self.usernames:
                client.cookies.clear()
                response = client.post(
                    "/api/auth/",
                    json={"username": username, "password": self.password},
                    headers={"X-CSRFToken": anonymous},
                    cookies={"csrftoken": anonymous},
                )
                response.raise_for_status()
                csrf, session = response.cookies["csrftoken"], response.cookies["sessionid"]
                headers.append(
                    {"Cookie": f"csrftoken={csrf}; sessionid={session}", "X-CSRFToken": csrf}
                )
        return headers

    def posts_stored(self) -> int:
        import psycopg

        with psycopg.connect(self.own_conninfo) as conn:
            return conn.execute(
                "SELECT count(*) FROM misago_threads_post WHERE thread_id = %s", [self.thread]
            ).fetchone()[0]

    def stop(self) -> None:
        if getattr(self, "process", None) is not None:
            from tests.conftest import stop_process  # imports Django: after setup

            stop_process(self.process)
            self.log.close()
            self.process = None

    def close(self) -> None:
        """Stop the server, drop the database and media, delete the queued tasks."""
        self.stop()
        self._drop()
        shutil.rmtree(self.media, ignore_errors=True)
        if self.broker.startswith("redis"):
            subprocess.run(
                [
                    str(self.python),
                    "-c",
                    "import sys, kombu; c = kombu.Connection(sys.argv[1]); "
                    "c.default_channel.client.delete('celery', '_kombu.binding.celery')",
                    self.broker,
                ],
                check=False,
            )

    def _drop(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
