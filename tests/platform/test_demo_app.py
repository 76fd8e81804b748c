"""The demo and benchmark seeding (the ``demo`` app) exists in development and tests only.

Production settings never install it, so ``seed_demo`` cannot wipe-and-fill a live site by
mistake; ``manage.py`` defaults to the local settings, so ``make run``/``make demo`` find it.
"""

import os
import subprocess
import sys
from pathlib import Path

from tests.platform.environments import production_env

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if environment is None:
        environment = {
            k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
        }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_production_installs_no_demo_and_knows_no_seed_command():
    production = production_env()
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.INSTALLED_APPS)"
    installed = run("-c", code, environment=production)
    assert installed.returncode == 0, installed.stderr
    assert "'mentoring'" in installed.stdout and "'demo'" not in installed.stdout
    for command in ("seed_demo", "seed_scale"):
        result = run("manage.py", command, environment=production)
        assert result.returncode != 0
        assert f"Unknown command: '{command}'" in result.stderr


def test_manage_py_defaults_to_local_settings_which_know_the_seed_commands():
    demo = run("manage.py", "help", "seed_demo")
    assert demo.returncode == 0, demo.stderr
    assert "Create (or complete) the demo site" in demo.stdout
    scale = run("manage.py", "help", "seed_scale")
    assert scale.returncode == 0, scale.stderr
    for option in ("--members", "--posts", "--reads", "--threads", "--weeks", "--thread-posts"):
        assert option in scale.stdout
