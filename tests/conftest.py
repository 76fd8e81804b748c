"""Shared fixtures: people and cohorts, API clients, websockets, a real server, a browser."""

from __future__ import annotations

import inspect
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from tests.factories import ApiClient, UserFactory, make_cohort

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


# --- Isolation ------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in locks, rate limits and cached policies live in the cache: none leaks across tests."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


# --- People and cohorts ---------------------------------------------------------------------
@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def tutor(db):
    return UserFactory(username="tutor_t", display_name="Tessa Tutor")


@pytest.fixture
def members(db):
    return [UserFactory(username=f"member{i}", display_name=f"Member {i}") for i in range(1, 4)]


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", display_name="Olly Outsider")


@pytest.fixture
def cohort(db, tutor, members):
    return make_cohort(name="Induction test cohort", tutors=[tutor], members=members)


@pytest.fixture
def api():
    """``api(user)`` → a JSON client authenticated with a fresh bearer token for ``user``."""
    return lambda user=None, token=None: ApiClient(user, token)


# --- Wagtail --------------------------------------------------------------------------------
@pytest.fixture
def wagtail_root(db):
    """The page tree's root and a default site (transactional tests truncate them)."""
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root")
    if not Site.objects.exists():
        Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)
    return root


# --- Websockets (Channels' communicator with the real ASGI stack) ---------------------------
@pytest.fixture(autouse=True)
def live_events_match_their_schemas(monkeypatch):
    """Every live event any test causes is checked, per audience, against its typed schema
    (``mentoring.realtime.schemas``) as the exact text the sockets get; yields what was sent."""
    from mentoring.realtime import hub
    from mentoring.realtime.schemas import live_message

    sent: list[tuple[str, int, dict]] = []
    publish = hub.publish

    def checked(stream: str, seq: int, texts: dict[str, str]) -> None:
        for text in texts.values():
            message = live_message.validate_json(text)
            assert message.seq == seq > 0, text
        sent.append((stream, seq, texts))
        publish(stream, seq, texts)

    monkeypatch.setattr(hub, "publish", checked)
    return sent


def session_cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def ws_connect():
    """``await ws_connect(path, user=..., token=..., origin=...)`` → (communicator, connected,
    first message or close). Uses config.asgi's application: origin check, auth, routing."""
    from channels.db import database_sync_to_async

    from config.asgi import application

    opened: list[WebsocketCommunicator] = []

    async def connect(
        path, *, user=None, token=None, origin="http://testserver", cookie=None, host="testserver"
    ):
        headers = [(b"host", host.encode())] if host else []
        if origin:
            headers.append((b"origin", origin.encode()))
        if user is not None:
            cookie = await database_sync_to_async(session_cookie_for)(user)
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        if token:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=5)
        first = None
        if connected:
            first = await communicator.receive_output(timeout=5)
        return communicator, connected, first

    yield connect


def ws_first_json(first) -> dict | None:
    import json

    if first and first.get("type") == "websocket.send" and first.get("text"):
        return json.loads(first["text"])
    return None


# --- Real processes -------------------------------------------------------------------------
def stop_process(process: subprocess.Popen, grace: float = 10) -> None:
    """Ask a subprocess to end (SIGTERM), and kill it if it has not within ``grace`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up: {last}")


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway redis-server on a free loopback port; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (make test installs it)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    stop_process(process)


def database_url_for_servers() -> str:
    """The URL of the test database pytest-django created, for server subprocesses."""
    from django.db import connection

    db = connection.settings_dict
    host = urllib.parse.quote(db["HOST"] or "", safe="")
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


class RedisServer:
    """A redis-server of this test's own, which it may stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (make test installs it)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


class ServerProcess:
    """A real ASGI server (uvicorn by default, or daphne) in a subprocess."""

    def __init__(
        self,
        env_extra: dict[str, str] | None = None,
        *,
        server: str = "uvicorn",
        app: str = "config.asgi:application",
        root: Path | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url_for_servers(),
            PYTHONUNBUFFERED="1",
            WAGTAILADMIN_BASE_URL=self.url,
        )
        env.pop("REDIS_URL", None)
        env.update(env_extra or {})
        self.log = open(ROOT / "var" / f"test-server-{self.port}.log", "w")  # noqa: SIM115
        if server == "daphne":
            command = [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--verbosity",
                "0",
                app,
            ]
        else:
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ]
        # ``root``: another checkout of the code (a bench comparing with an older commit).
        self._command, self._env, self._root = command, env, root or ROOT
        self.process = subprocess.Popen(
            command, cwd=self._root, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            wait_for_http(self.url + "/healthz")
        except Exception:
            self.stop()
            raise
        self.content_type_ids = content_type_ids()

    def restart(self) -> None:
        """Start afresh on the same port, dropping the process's caches."""
        self.stop()
        self.log = open(ROOT / "var" / f"test-server-{self.port}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            self._command, cwd=self._root, env=self._env, stdout=self.log, stderr=subprocess.STDOUT
        )
        wait_for_http(self.url + "/healthz")
        self.content_type_ids = content_type_ids()

    def stop(self) -> None:
        stop_process(self.process)
        self.log.close()


@pytest.fixture(scope="session")
def start_server(django_db_setup, django_db_blocker):
    """``start_server(env={...})`` → a real uvicorn process on the test database."""
    servers: list[ServerProcess] = []

    def start(env: dict[str, str] | None = None) -> ServerProcess:
        with django_db_blocker.unblock():
            server = ServerProcess(env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def live_server_process(start_server, redis_server):
    """One shared real server for browser and websocket tests. Its channel layer is Redis, so
    events sent by services called in the test process (see ``live_layer``) reach its sockets."""
    return start_server({"REDIS_URL": redis_server})


@pytest.fixture
def live_layer(settings, redis_server):
    """Point this test process's channel layer at the live server's Redis."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_server]},
        }
    }
    return redis_server


def content_type_ids() -> list[int]:
    from django.contrib.contenttypes.models import ContentType

    return list(ContentType.objects.order_by("pk").values_list("pk", flat=True))


@pytest.fixture
def live_url(transactional_db, live_server_process, wagtail_root):
    # Each transactional test's flush recreates the content types with new ids, and the server
    # caches them (guardian finds object permissions by them): restart it when they changed.
    if live_server_process.content_type_ids != content_type_ids():
        live_server_process.restart()
    yield live_server_process.url
    # Torn down before ``transactional_db``: the flush that follows must find the database free.
    _wait_for_the_live_server_to_settle()
    _end_stray_transactions()


def run_in_thread(function, *args, **kwargs):
    """Call ``function`` in a fresh thread and return its result.

    Playwright's sync API keeps an event loop in the test's thread, where Django refuses to
    send channel-layer events (``async_to_sync``); services that send events run here instead.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=30)


# --- Browser (Playwright on Debian's Chromium; never a downloaded browser) -----------------
@pytest.fixture(scope="session")
def chromium():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (make test installs Debian's chromium)")
    from tests.frontend import build_frontend

    build_frontend()  # pages with the shared solution load its bundle
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_as(chromium, live_url):
    """``browser_as(user)`` → a Playwright page signed in as ``user`` on the live server."""
    contexts = []

    def open_as(user=None):
        context = chromium.new_context(base_url=live_url, viewport={"width": 1100, "height": 900})
        context.set_default_timeout(10_000)
        if user is not None:
            name, _, value = session_cookie_for(user).partition("=")
            context.add_cookies([{"name": name, "value": value, "url": live_url}])
        contexts.append(context)
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()
    _wait_for_the_live_server_to_settle()


def _wait_for_the_live_server_to_settle(timeout: float = 10.0) -> None:
    """Closed pages can leave the live server writing (a shared solution saved when its last
    editor leaves): wait until no other session works in the test database, so that the test's
    flush does not deadlock with it."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 3 and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
            )
            busy = cursor.fetchone()[0]
        quiet = 0 if busy else quiet + 1
        time.sleep(0.1)


def _end_stray_transactions(idle_for: str = "2 seconds") -> None:
    """A server or worker left "idle in transaction" holds its locks until it is ended; the
    flush's TRUNCATE would wait for it for ever. End such sessions (their pool opens new ones)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state LIKE 'idle in transaction%%' AND state_change < now() - %s::interval",
            [idle_for],
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """A test that waits for a lock fails after two minutes with PostgreSQL's own error, instead
    of hanging the run: every session on the test database gets a ``lock_timeout``."""
    from django.db import connection

    with django_db_blocker.unblock():
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {name} SET lock_timeout = '120s'")
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()  # the setting applies to sessions opened from now on
    yield
    # pytest-django drops the database next. A session still on it (this process's pool, or a
    # server whose backend has not yet seen it exit) made the DROP fail with a warning and
    # left the database behind.
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()


# --- Identity providers (tests/idp/: real SAML and OpenID Connect servers, not ours) ---------
@pytest.fixture(scope="session")
def oidc_op():
    """A running OpenID Connect provider (django-oidc-provider); ``.setup({...})`` adds users
    and clients."""
    from tests.idp.harness import IdentityProviderProcess

    server = IdentityProviderProcess("oidc_op")
    server.setup({"migrate": True})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def saml_idp():
    """A running SAML 2.0 identity provider (djangosaml2idp on pysaml2); ``.setup({...})``
    adds users and service providers."""
    from tests.idp.harness import IdentityProviderProcess

    server = IdentityProviderProcess("saml_idp")
    server.setup({"migrate": True})
    server.start()
    yield server
    server.stop()


# --- The fast lane (`make test-fast`: pytest -m "not slow") ---------------------------------
# Tests that start a browser, a server, a worker or a redis-server (through these fixtures or a
# Popen of their own), that break things on purpose (test_faults.py) or that run several workers.
SLOW_FIXTURES = {
    "chromium",
    "browser_as",
    "start_server",
    "live_server_process",
    "redis_server",
    "oidc_op",
    "saml_idp",
}
SLOW_MARKERS = {"browser", "redis"}
SLOW_PATHS = {ROOT / "tests" / "browser", ROOT / "tests" / "platform" / "test_faults.py"}


def is_slow(item) -> bool:
    path = Path(item.path)
    if any(path == slow or slow in path.parents for slow in SLOW_PATHS):
        return True
    if any(item.get_closest_marker(name) for name in SLOW_MARKERS):
        return True
    if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    function = getattr(item, "function", None)
    try:
        return function is not None and "Popen(" in inspect.getsource(function)
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(config, items):
    """Mark the slow tests (above) ``slow``. Browser tests last: once Playwright's sync API has
    started, its event loop stays running in the main thread for the session, and
    pytest-asyncio cannot run async tests after it."""
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
