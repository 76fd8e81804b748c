"""The browser bundle of the shared solution's editor (frontend/, issue 22), built on demand.

`make frontend` runs `npm ci` from the committed lock and esbuild, each only when its inputs
changed; `make run` and `make test` do it first, and tests that load the editor or run the node
clients call ``build_frontend()`` so that a bare `pytest` works too."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "frontend" / "node_modules"
BUNDLE = ROOT / "scenarios" / "static" / "scenarios" / "build" / "solution-editor.js"


@cache
def build_frontend() -> Path:
    """The bundle's path, after `make frontend` (quick when nothing changed)."""
    for tool in ("make", "node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: the shared solution's editor is built with it")
    result = subprocess.run(
        ["make", "--no-print-directory", "frontend"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.fail(f"make frontend failed:\n{result.stdout}\n{result.stderr}")
    return BUNDLE
