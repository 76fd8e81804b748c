"""Security headers (issue 9 #14): a Content-Security-Policy without inline code, signed-in
pages never cached, and a production configuration that `check --deploy` finds clean."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.platform.environments import production_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_pages_carry_a_policy_without_inline_code(client, members):
    client.force_login(members[0])
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'self'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_only_the_admin_gets_its_allowances(admin_client, wagtail_root):
    policy = admin_client.get("/admin/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "unsafe-inline" not in admin_client.get("/").headers["Content-Security-Policy"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I), "script"),
    (re.compile(r"<style\b", re.I), "<style>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_or_generated_markup_needs_unsafe_inline():
    sources = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/**/*.py")]
    found = []
    for path in sources:
        parts = path.relative_to(ROOT).parts
        # var/ is this checkout's local state (services, the benches' virtualenvs), not ours.
        if parts[0] in {".venv", "var", "node_modules"} or {"tests", "migrations"} & set(parts):
            continue
        text = path.read_text()
        if path.suffix == ".py" and "<" not in text:
            continue
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []


@pytest.mark.django_db
def test_signed_in_pages_are_not_cached_anonymous_ones_may_be(members):
    anonymous = Client().get("/")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    member = Client()
    member.force_login(members[0])
    for path in ("/", "/notifications/", "/no/such/page/"):
        cache_control = {
            part.strip() for part in member.get(path).headers["Cache-Control"].split(",")
        }
        assert {"private", "no-store"} <= cache_control, path
        assert "public" not in cache_control


@pytest.mark.django_db
def test_api_answers_to_a_token_are_not_cached(api, members):
    response = api(members[0]).get("/api/v1/me")
    assert response.status_code == 200
    assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / "platform/deploy/env.example").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[key.strip()] = value.strip()
    return values


def test_production_settings_pass_check_deploy():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(_env_example(), SECRET_KEY=secrets.token_urlsafe(50))
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--settings=config.settings.production",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_hsts_is_a_year_with_subdomains_and_preload():
    env = production_env()
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["31536000", "True", "True"]


def test_browser_tests_poll_with_functions_not_strings():
    """Playwright polls a string *expression* with eval() inside the page, which the policy
    forbids (no 'unsafe-eval'); a function string ("() => …", "(arg) => …") is compiled by
    DevTools instead."""
    pattern = re.compile(r"wait_for_function\(\s*[\"'](?!\([\w, ]*\) =>)")
    found = [
        f"{path.relative_to(ROOT)}:{path.read_text().count(chr(10), 0, match.start()) + 1}"
        for path in ROOT.glob("tests/browser/*.py")
        for match in pattern.finditer(path.read_text())
    ]
    assert found == [], 'write wait_for_function("() => …") in ' + ", ".join(found)


def _permissions(response) -> dict[str, str]:
    header = response.headers["Permissions-Policy"]
    return dict(part.strip().split("=", 1) for part in header.split(","))


@pytest.mark.django_db
def test_pages_and_api_answers_switch_off_the_features_nobody_uses(api, members):
    """Camera, microphone, location, payments and devices: off for every page and anything
    framed in it; embedded videos may still go full screen."""
    client = Client()
    client.force_login(members[0])
    answers = {
        "page": client.get("/notifications/"),
        "api": api(members[0]).get("/api/v1/me"),
        "signed-out page": Client().get("/accounts/login/"),
        "404": Client().get("/no/such/page/"),
    }
    for name, response in answers.items():
        features = _permissions(response)
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial"):
            assert features[feature] == "()", (name, feature)
        assert features["fullscreen"].startswith("(self "), name
        assert '"https://www.youtube.com"' in features["fullscreen"], name
    assert answers["page"].status_code == 200 and answers["api"].status_code == 200
