"""The import contracts hold, and would catch what they exist for.

The layer is in every module's path, so pyproject.toml's contracts name layers, never modules.
These tests copy the code to a scratch directory, make one bad change there and run
``lint-imports`` on the copy: a module whose name is no layer, an import that closes a circle
between two features, and a selector that reaches up into a service must each break a contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("config", "cms", "demo", "mentoring", "scenarios")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("contracts")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__", "static")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


@pytest.fixture
def tree(pristine, tmp_path) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(pristine, copy)
    return copy


def test_the_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_module_whose_name_is_no_layer_breaks_the_exhaustive_contract(tree):
    (tree / "mentoring/boards/helpers.py").write_text('"""Says nothing of its layer."""\n')
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "mentoring.boards.helpers" in result.stdout


def test_an_import_that_closes_a_circle_between_features_fails(tree):
    # boards' services already use participation's; participation reaching back closes a circle.
    selectors = tree / "mentoring/participation/selectors/rows.py"
    selectors.write_text(selectors.read_text() + "\nfrom mentoring.boards import selectors as _b\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "form no circle" in result.stdout and "BROKEN" in result.stdout


def test_a_selector_reaching_up_into_a_service_fails(tree):
    selectors = tree / "mentoring/boards/selectors.py"
    selectors.write_text(
        selectors.read_text() + "\nfrom mentoring.boards.services import posts as _posts\n"
    )
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "mentoring.boards.selectors is not allowed to import" in result.stdout


def test_the_product_importing_the_demo_seeding_fails(tree):
    # Production does not install ``demo``: an import of it from cms would break production.
    models = tree / "cms/models.py"
    models.write_text(models.read_text() + "\nfrom demo import site as _site\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "cms is not allowed to import demo" in result.stdout
    assert "cms.models -> demo.site" in result.stdout


@pytest.mark.parametrize(
    "feature", ["mentoring.boards.selectors", "mentoring.participation.events", "scenarios.models"]
)
def test_realtime_importing_a_feature_fails(tree, feature):
    # Each feature owns its events, schemas and sockets; realtime is plumbing under them all.
    hub = tree / "mentoring/realtime/hub.py"
    hub.write_text(hub.read_text() + f"\nimport {feature} as _feature\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "mentoring.realtime imports no feature" in result.stdout
    assert f"mentoring.realtime.hub -> {feature}" in result.stdout
