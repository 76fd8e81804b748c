"""Start the test identity providers: real, maintained packages (django-oidc-provider,
djangosaml2idp on pysaml2) in small Django projects of their own, each a subprocess on a free
port with a throwaway SQLite database. They stand for servers Staffroom does not run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import ROOT, free_port, wait_for_http


class IdentityProviderProcess:
    def __init__(self, package: str, *, host: str = "localhost") -> None:
        self.package = package  # "oidc_op" or "saml_idp"
        self.port = free_port()
        # Another host name than Staffroom's 127.0.0.1: the browser keeps their cookies apart.
        self.url = f"http://{host}:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"staffroom-{package}-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": f"tests.idp.{package}.settings",
            "IDP_DB": str(self.dir / "db.sqlite3"),
            "IDP_URL": self.url,
            "IDP_DIR": str(self.dir),
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None
        self.log = open(self.dir / "server.log", "w")  # noqa: SIM115

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
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def read_log(self) -> str:
        """What the provider printed (for a failing test's message)."""
        self.log.flush()
        return (self.dir / "server.log").read_text()
