"""Every module of ``mentoring`` and ``scenarios`` is under an import-linter contract: a layer
of "entry points → services → events → selectors → rules → models", or the shared modules that
import no entry point or service (pyproject.toml). import-linter checks only the modules a
contract names, so a new module left out would be checked by nothing: this test names it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = {"apps"}  # Django's app configs


def contracted_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    names: set[str] = set()
    for contract in contracts:
        for layer in contract.get("layers", []):
            names.update(m for m in re.split(r"[:|\s\\]+", layer) if m)
        if contract["type"] == "forbidden" and contract["source_modules"] != ["mentoring"]:
            names.update(contract["source_modules"])
    return names


def covered(module: str, names: set[str]) -> bool:
    parts = module.split(".")
    return any(".".join(parts[:i]) in names for i in range(1, len(parts) + 1))


def test_every_module_is_under_a_layer_contract():
    names = contracted_modules()
    missing = []
    for package in ("mentoring", "scenarios"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts or path.name == "__init__.py":
                continue
            if relative.name in OUTSIDE:
                continue
            module = ".".join(relative.parts)
            if not covered(module, names):
                missing.append(module)
    assert not missing, (
        "Put these modules in a layer of the first import-linter contract in pyproject.toml "
        "(or, for a shared module that imports no entry point or service, in the shared "
        "modules' contract):\n  " + "\n  ".join(missing)
    )
