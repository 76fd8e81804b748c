"""platform/deploy/env.example lists exactly the environment variables the settings read.

The names are found in config/settings/*.py with ``ast``: calls of the settings' helpers
(``env``, ``env_bool``, ``env_list``, ``env_required``), ``os.environ.get``, ``os.getenv`` and
``os.environ[...]`` with a literal name. An f-string name (``RATE_LIMIT_{ACTION}``) counts as its
literal prefix. A variable may be listed commented out (``# NAME=value``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = sorted((ROOT / "config" / "settings").glob("*.py"))
ENV_EXAMPLE = ROOT / "platform" / "deploy" / "env.example"
HELPERS = {"env", "env_bool", "env_list", "env_required"}
# Listed in env.example for programs other than the settings.
READ_ELSEWHERE = {
    "DJANGO_SETTINGS_MODULE": "manage.py and config/asgi.py choose the settings module by it",
    "UVICORN_WS_PER_MESSAGE_DEFLATE": "uvicorn reads UVICORN_* options",
}


def _name_of(node: ast.expr) -> str | None:
    """A literal name, or an f-string's literal prefix followed by ``*``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return node.values[0].value + "*"
    return None


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _reads_a_variable(function: ast.expr) -> bool:
    """``env(...)`` and its siblings, ``os.environ.get(...)`` or ``os.getenv(...)``."""
    if isinstance(function, ast.Name):
        return function.id in HELPERS
    if isinstance(function, ast.Attribute):
        if function.attr == "get":
            return _is_os_environ(function.value)
        if function.attr == "getenv":
            return isinstance(function.value, ast.Name) and function.value.id == "os"
    return False


def variables_read(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        argument = None
        if isinstance(node, ast.Call) and node.args and _reads_a_variable(node.func):
            argument = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            argument = node.slice
        if argument is not None and (name := _name_of(argument)):
            names.add(name)
    return names


def settings_variables() -> set[str]:
    names: set[str] = set()
    for path in SETTINGS:
        names |= variables_read(path.read_text())
    return names


def env_example_variables() -> set[str]:
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")
    return {
        match.group(1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if (match := pattern.match(line))
    }


def _matches(name: str, pattern: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern


def test_the_scanner_finds_each_way_of_reading_a_variable():
    source = (
        "import os\n"
        "A = env('ONE', 'x')\nB = env_bool('TWO')\nC = env_list('THREE')\n"
        "D = env_required('FOUR')\nE = os.environ.get('FIVE')\nF = os.environ['SIX']\n"
        "G = os.getenv('SEVEN')\nH = [env(f'EIGHT_{a.upper()}') for a in ()]\n"
        "I = env(name)\nJ = other('NINE')\n"
    )
    assert variables_read(source) == {
        "ONE",
        "TWO",
        "THREE",
        "FOUR",
        "FIVE",
        "SIX",
        "SEVEN",
        "EIGHT_*",
    }


def test_the_settings_read_what_this_test_expects():
    """A sanity check of the scan on the real settings (if these vanish, the scan broke)."""
    read = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL", "SENTRY_DSN"} <= read
    assert "STAFFROOM_TEST_DB" in read and "RATE_LIMIT_*" in read


def test_env_example_lists_every_variable_the_settings_read():
    listed = env_example_variables()
    missing = sorted(
        pattern
        for pattern in settings_variables()
        if not any(_matches(name, pattern) for name in listed)
    )
    assert not missing, (
        "Add these to platform/deploy/env.example, each with a one-line comment: "
        + ", ".join(missing)
    )


def test_env_example_lists_nothing_the_settings_do_not_read():
    read = settings_variables()
    unknown = sorted(
        name
        for name in env_example_variables()
        if name not in READ_ELSEWHERE and not any(_matches(name, pattern) for pattern in read)
    )
    assert not unknown, "platform/deploy/env.example names variables nothing reads: " + ", ".join(
        unknown
    )
