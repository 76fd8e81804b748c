"""Settings come from the environment; production refuses unsafe defaults and guesses nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.platform.environments import PRODUCTION_REQUIRED, production_env

ROOT = Path(__file__).resolve().parents[2]


def run_settings(module: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    environment.update(DJANGO_SETTINGS_MODULE=module, **env)
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def production(code: str, **env: str | None) -> subprocess.CompletedProcess:
    """Run ``code`` after ``django.setup()`` under production settings: the required variables
    and ``env``, nothing else of this shell's settings variables."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def production_settings(*names: str, **env: str | None) -> dict:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = production(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_refuses_the_development_secret_key():
    result = production(
        "", SECRET_KEY="django-insecure-staffroom-development-key-do-not-use-in-production"
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_the_required_variables_and_debug_off():
    values = production_settings(
        "DEBUG",
        "ALLOWED_HOSTS",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_USE_TLS",
        "DATABASES",
        DEBUG="true",
    )
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["staffroom.example.org"]
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"], values["EMAIL_USE_TLS"]) == (
        "smtp.example.org",
        587,
        True,
    )
    assert values["DATABASES"]["default"]["HOST"] == "localhost"


@pytest.mark.parametrize("name", sorted(PRODUCTION_REQUIRED))
def test_production_refuses_to_start_without_each_required_variable(name):
    result = production("", **{name: None})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"Set {name} " in result.stderr


@pytest.mark.parametrize("name", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_HOST"])
def test_production_refuses_an_empty_required_variable(name):
    result = production("", **{name: ""})
    assert result.returncode != 0 and f"Set {name} " in result.stderr


def test_a_relay_without_sign_in_takes_an_empty_user_and_password():
    values = production_settings(
        "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD=""
    )
    assert values == {"EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""}


def test_production_never_reads_var_services_env():
    """Without DATABASE_URL it stops, although var/services.env names the local cluster."""
    assert (ROOT / "var" / "services.env").exists(), "run make services"
    result = production("", DATABASE_URL=None)
    assert result.returncode != 0 and "Set DATABASE_URL " in result.stderr
    loaded = production("import sys; print('config.settings.local_services' in sys.modules)")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip().splitlines()[-1] == "False"


def test_several_workers_need_redis():
    result = production("", STAFFROOM_WORKERS="3")
    assert result.returncode != 0
    assert "STAFFROOM_WORKERS=3 needs REDIS_URL" in result.stderr
    values = production_settings(
        "CACHES", "CHANNEL_LAYERS", STAFFROOM_WORKERS="3", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:1/0"
    assert values["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert production("", STAFFROOM_WORKERS="1").returncode == 0


def test_with_redis_the_cache_is_shared_and_survives_redis_being_down():
    """With REDIS_URL the default cache is Redis (every worker sees the sign-in policy cleared);
    with that Redis unreachable the policy is still read, from this process's memory."""
    code = (
        "from django.conf import settings; from django.core.cache import caches; "
        "cache = caches['default']; "
        "from django.core.cache.backends.redis import RedisCache; "
        "assert isinstance(cache, RedisCache), type(cache); "
        "cache.set('k', 'v'); print(cache.get('k'), settings.CACHES['local']['BACKEND'])"
    )
    # Nothing listens on port 1: every call to Redis fails to connect.
    result = production(code, REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["v", "django.core.cache.backends.locmem.LocMemCache"]
    assert "shared cache unreachable" in result.stderr


def test_without_sentry_errors_mail_the_admins():
    values = production_settings("ADMINS", ADMINS="Olu Ops <ops@example.org>,dev@example.org")
    assert values["ADMINS"] == [
        ["Olu Ops", "ops@example.org"],
        ["dev@example.org", "dev@example.org"],
    ]
    check = production(
        "import sentry_sdk; print(sentry_sdk.get_client().is_active())", ADMINS="ops@example.org"
    )
    assert check.stdout.strip().splitlines()[-1] == "False"


def test_with_a_sentry_dsn_sentry_reports_errors_and_admins_get_no_mail():
    # A DSN on a closed local port: nothing leaves the machine.
    code = (
        "import sentry_sdk; from django.conf import settings; "
        "client = sentry_sdk.get_client(); "
        "print(client.is_active(), client.dsn, settings.ADMINS)"
    )
    result = production(code, SENTRY_DSN="http://public@127.0.0.1:1/1", ADMINS="ops@example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True http://public@127.0.0.1:1/1 []"


def test_sqlite_is_refused():
    result = run_settings("config.settings.local", DATABASE_URL="sqlite:///tmp/x.db")
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_manage_py_finds_the_local_cluster_without_database_url():
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.db import connection; connection.ensure_connection(); "
            "print(connection.settings_dict['NAME'])",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "staffroom"
