"""The shared solution's editor is built, not kept (issue 22): npm installs it from the
committed lock, esbuild bundles it into a static file git ignores, a second `make frontend`
does nothing, and the bundle needs neither eval nor anything outside the npm registry."""

from __future__ import annotations

import json
import re
import subprocess

from tests.frontend import BUNDLE, ROOT, build_frontend


def test_the_bundle_is_built_from_the_lock_and_not_committed():
    bundle = build_frontend()
    assert bundle == BUNDLE and bundle.stat().st_size > 0
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "frontend/package.json" in tracked and "frontend/package-lock.json" in tracked
    assert not [
        p
        for p in tracked
        if p.startswith(("frontend/node_modules/", "scenarios/static/scenarios/build/"))
    ]
    ignored = subprocess.run(
        ["git", "check-ignore", str(bundle.relative_to(ROOT))], cwd=ROOT, capture_output=True
    )
    assert ignored.returncode == 0, "the bundle must be git-ignored"
    # Built once, `make frontend` has nothing left to do (`make -q`: 0 when up to date).
    assert subprocess.run(["make", "-q", "frontend"], cwd=ROOT).returncode == 0


def test_the_bundle_runs_under_the_csp_and_comes_from_the_registry():
    source = build_frontend().read_text()
    assert not re.search(r"\beval\s*\(|\bnew\s+Function\s*\(", source)
    # Every package pinned by version and hash; none from git, a file or another host (an
    # entry names no "resolved" when npm leaves the registry to its configuration).
    lock = json.loads((ROOT / "frontend" / "package-lock.json").read_text())
    packages = {name: p for name, p in lock["packages"].items() if name}
    assert packages
    for name, package in packages.items():
        assert package.get("version") and package.get("integrity", "").startswith("sha512-"), name
        assert package.get("resolved", "https://registry.npmjs.org/").startswith(
            "https://registry.npmjs.org/"
        ), name
