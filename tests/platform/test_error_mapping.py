"""Domain errors speak the domain; HTTP is decided once (``mentoring.core.refusals``).

Each domain class answers its status in the API (JSON ``{code, detail, ...}``, ``Retry-After``
for a rate limit) and on a page (in a form, as a page of its own, or uncaught); and no service
module speaks HTTP: no status number in a raise, no ``django.http`` import, no raise of the
bare base class.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI
from ninja.testing import TestClient

import config.urls
import mentoring
import scenarios
from mentoring.core import errors
from mentoring.core.api import install_error_handlers
from mentoring.core.errors import (
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    RateLimited,
    ServiceError,
)
from mentoring.core.forms import ServiceErrorsMixin
from mentoring.core.ratelimit import RateLimited as ActionRateLimited
from mentoring.core.refusals import STATUS, form_page, refused_page

ROOT = Path(__file__).resolve().parents[2]

# class → (an instance, API status, status of a page showing it in a form, of a page that is it)
CASES = {
    "invalid": (lambda: Invalid("invalid", "Give it a name.", field="name"), 400, 400, 400),
    "forbidden": (lambda: Forbidden("forbidden", "Tutors only."), 403, 400, 403),
    "not_found": (lambda: NotFound("There is no such thread."), 404, 400, 404),
    "conflict": (lambda: Conflict("stale_copy", "Someone saved first."), 409, 400, 409),
    "gone": (lambda: Gone("expired", "This link has expired."), 410, 400, 410),
    "rate_limited": (lambda: ActionRateLimited("post", 42), 429, 429, 429),
}


def test_every_domain_class_has_a_status_and_none_carries_one_itself():
    assert set(STATUS) == {Invalid, Forbidden, NotFound, Conflict, Gone, RateLimited}
    assert {STATUS[cls] for cls in STATUS} == {400, 403, 404, 409, 410, 429}
    for cls in _all_domain_classes():
        assert not hasattr(cls, "status"), f"{cls.__qualname__} carries an HTTP status"
    for name, (make, *_) in CASES.items():
        assert not hasattr(make(), "status"), name


# --- The API ----------------------------------------------------------------------------------
def _api_client() -> TestClient:
    api = NinjaAPI(urls_namespace="error-mapping-test")
    install_error_handlers(api)

    @api.get("/refuse/{name}")
    def refuse(request, name: str):
        raise CASES[name][0]()

    return TestClient(api)


@pytest.mark.parametrize("name", CASES)
def test_the_api_answers_each_class_with_its_status_and_the_json_shape(name):
    make, status, _, _ = CASES[name]
    error = make()
    response = _api_client().get(f"/refuse/{name}")
    assert response.status_code == status
    assert response.json() == {"code": error.code, "detail": error.detail, **error.extra}
    if isinstance(error, RateLimited):
        assert response["Retry-After"] == "42" and response.json()["retry_after"] == 42
    else:
        assert "Retry-After" not in response.headers


# --- The pages --------------------------------------------------------------------------------
class _Form(ServiceErrorsMixin, forms.Form):
    name = forms.CharField()


def _uncaught(request: HttpRequest, name: str):
    raise CASES[name][0]()


def _in_form(request: HttpRequest, name: str):
    form = _Form(request.POST)
    if form.is_valid():
        form.add_service_error(CASES[name][0]())
    return form_page(request, "errors/refused.html", {"detail": form.errors.as_text()}, form=form)


def _own_page(request: HttpRequest, name: str):
    error = CASES[name][0]()
    return refused_page(request, "errors/refused.html", {"detail": error.detail}, error)


urlpatterns = [
    path("__refuse__/uncaught/<str:name>/", _uncaught),
    path("__refuse__/form/<str:name>/", _in_form),
    path("__refuse__/page/<str:name>/", _own_page),
    *config.urls.urlpatterns,
]
handler400 = config.urls.bad_request
handler403 = config.urls.permission_denied
handler404 = config.urls.page_not_found
handler500 = config.urls.server_error


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("name", CASES)
def test_a_page_answers_each_class_with_its_status(client, name):
    make, _, in_form, own_page = CASES[name]
    error = make()
    headers = {"Retry-After": "42"} if isinstance(error, RateLimited) else {}

    shown = client.post(f"/__refuse__/form/{name}/", {"name": "x"})
    assert shown.status_code == in_form
    assert error.detail in shown.content.decode()  # next to the form
    assert {h: shown[h] for h in headers if h in shown} == headers
    assert client.get(f"/__refuse__/form/{name}/").status_code == 200

    page = client.get(f"/__refuse__/page/{name}/")
    assert page.status_code == own_page
    assert {h: page[h] for h in headers if h in page} == headers

    uncaught = client.get(f"/__refuse__/uncaught/{name}/")
    assert uncaught.status_code == own_page
    assert {h: uncaught[h] for h in headers if h in uncaught} == headers
    if isinstance(error, (NotFound, Forbidden)):  # the site's own 404 and 403 pages
        template = "404.html" if isinstance(error, NotFound) else "403.html"
        assert template in [t.name for t in uncaught.templates]
    else:
        assert error.detail in uncaught.content.decode()


# --- No HTTP in the services ------------------------------------------------------------------
def _service_modules() -> list[Path]:
    found = [
        *ROOT.glob("mentoring/*/services.py"),
        *ROOT.glob("mentoring/*/services/*.py"),
        *ROOT.glob("scenarios/services.py"),
        *ROOT.glob("scenarios/services/*.py"),
    ]
    assert len(found) > 10, found  # the scan would pass by finding nothing
    return sorted(found)


def _type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """Imports under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded.update(n for stmt in node.body for n in ast.walk(stmt))
    return guarded


def http_in_services(source: str) -> list[str]:
    """What in ``source`` speaks HTTP: a ``django.http`` import, a raise naming a status (a
    ``status=`` argument or a number from 400 to 599), a raise of the bare ``ServiceError``."""
    tree = ast.parse(source)
    guarded = _type_checking_only(tree)
    raised = {n.exc for n in ast.walk(tree) if isinstance(n, ast.Raise)}
    problems = []
    for node in ast.walk(tree):
        if node in guarded:
            continue
        if isinstance(node, ast.Import):
            problems += [
                f"line {node.lineno}: imports {a.name}"
                for a in node.names
                if a.name == "django.http" or a.name.startswith("django.http.")
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.http"):
            problems.append(f"line {node.lineno}: imports from {node.module}")
        elif isinstance(node, ast.Call) and _refusal(node, raised):
            if any(k.arg == "status" for k in node.keywords):
                problems.append(f"line {node.lineno}: a status= in {ast.unparse(node)[:60]}")
            numbers = [
                n.value
                for n in ast.walk(node)
                if isinstance(n, ast.Constant) and type(n.value) is int and 400 <= n.value < 600
            ]
            if numbers:
                problems.append(f"line {node.lineno}: HTTP status {numbers[0]} in a refusal")
            if isinstance(node.func, ast.Name) and node.func.id == "ServiceError":
                problems.append(f"line {node.lineno}: makes the bare ServiceError")
    return problems


DOMAIN_NAMES = {"ServiceError", *(cls.__name__ for cls in STATUS), "RosterRejected", "LinkReplaced"}


def _refusal(call: ast.Call, raised: set[ast.AST]) -> bool:
    """A call that makes a refusal: one raised, or of a domain class (``return Conflict(…)``)."""
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    return call in raised or name in DOMAIN_NAMES


def test_no_service_module_speaks_http():
    problems = {
        str(module.relative_to(ROOT)): found
        for module in _service_modules()
        if (found := http_in_services(module.read_text()))
    }
    assert problems == {}


@pytest.mark.parametrize(
    "source",
    [
        "from django.http import Http404\n",
        "import django.http\n",
        "def f():\n    raise ServiceError('conflict', 'Too late.', status=409)\n",
        "def f():\n    raise Conflict('conflict', 'Too late.', status=409)\n",
        "def f():\n    raise Gone('gone', 'Too late.', 410)\n",
        "def f():\n    raise ServiceError('invalid', 'Bad.')\n",
    ],
)
def test_the_scan_finds_http_in_a_service(source):
    assert http_in_services(source)


def test_the_scan_allows_domain_errors_and_annotation_only_imports():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from django.http import HttpRequest\n"
        "def f(limit=500):\n    raise Invalid('invalid', f'At most {limit}.', field='x')\n"
    )
    assert http_in_services(source) == []


# --- helpers ----------------------------------------------------------------------------------
def _all_domain_classes() -> set[type]:
    """Every subclass of ``ServiceError`` the code defines (its modules imported first)."""
    for package in (mentoring, scenarios):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" in info.name or info.name.endswith((".tests", ".demo")):
                continue
            if any(part in info.name for part in (".services", ".api", ".pagination")):
                importlib.import_module(info.name)
    seen, todo = set(), [errors.ServiceError]
    while todo:
        cls = todo.pop()
        seen.add(cls)
        todo.extend(cls.__subclasses__())
    return seen


def test_rate_limited_keeps_retry_after_for_clients():
    error = RateLimited("throttled", "Wait.", retry_after=7)
    assert error.retry_after == 7 and error.extra == {"retry_after": 7}
    assert isinstance(error, ServiceError)
