"""The runtime platform folder must never shadow the standard library's ``platform``."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_platform_folder_is_not_a_python_package():
    assert (ROOT / "platform").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_stdlib_platform_works_inside_the_django_app():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.test'; "
        "django.setup(); import platform, uuid, pydantic; "
        "print(platform.python_implementation(), platform.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    implementation, path = out.split()
    assert implementation == "CPython"
    assert not path.startswith(str(ROOT))


def test_manage_py_check_passes():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db(transaction=True)
def test_running_server_reports_python_implementation(live_server_process):
    with urllib.request.urlopen(live_server_process.url + "/healthz") as response:
        body = json.load(response)
    assert response.status == 200
    assert body["python"] == "CPython"
    assert body["database"]["ok"] is True
    assert body["channel_layer"]["ok"] is True
    assert body["channel_layer"]["backend"].endswith("RedisChannelLayer")
