"""Start the test identity providers: real, maintained packages (django-oidc-provider,
djangosaml2idp on pysaml2) in small Django projects of their own, each a subprocess on a free
port with a throwaway PostgreSQL database on the project's server (dropped when it stops).
They stand for servers Staffroom does not run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import ROOT, free_port, stop_process, wait_for_http


class IdentityProviderProcess:
    def __init__(self, package: str, *, host: str = "localhost") -> None:
        self.package = package  # "oidc_op" or "saml_idp"
        self.port = free_port()
        # Another host name than Staffroom's 127.0.0.1: the browser keeps their cookies apart.
        self.url = f"http://{host}:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"staffroom-{package}-"))
        self.database = f"test_idp_{package}_{os.getpid()}"
        self._create_database()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": f"tests.idp.{package}.settings",
            **self._database_env(),
            "IDP_URL": self.url,
            "IDP_DIR": str(self.dir),
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None
        self.log = open(self.dir / "server.log", "w")  # noqa: SIM115

    @staticmethod
    def _server() -> dict:
        from django.db import connection

        return connection.settings_dict

    def _database_env(self) -> dict[str, str]:
        server = self._server()
        return {
            "IDP_DB_NAME": self.database,
            "IDP_DB_HOST": str(server.get("HOST") or ""),
            "IDP_DB_PORT": str(server.get("PORT") or ""),
            "IDP_DB_USER": str(server.get("USER") or ""),
            "IDP_DB_PASSWORD": str(server.get("PASSWORD") or ""),
        }

    def _admin(self, sql: str) -> None:
        import psycopg
        from psycopg import sql as q

        server = self._server()
        with psycopg.connect(
            dbname="postgres",
            host=server.get("HOST") or None,
            port=server.get("PORT") or None,
            user=server.get("USER") or None,
            password=server.get("PASSWORD") or None,
            autocommit=True,
        ) as conn:
            conn.execute(q.SQL(sql).format(q.Identifier(self.database)))

    def _create_database(self) -> None:
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self._admin("CREATE DATABASE {}")

    def setup(self, config: dict) -> None:
        """Migrate and create what ``config`` lists (users, clients or service providers)."""
        subprocess.run(
            [sys.executable, "-m", f"tests.idp.{self.package}.setup", json.dumps(config)],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "django",
                "runserver",
                f"127.0.0.1:{self.port}",
                "--noreload",
                "--skip-checks",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(self.url + "/login/")
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def read_log(self) -> str:
        """What the provider printed (for a failing test's message)."""
        self.log.flush()
        return (self.dir / "server.log").read_text()
