"""Fixtures shared by every test: real services, fresh databases, an app and its users."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from app import tasks
from app.auth import service as auth
from app.core import migrations
from app.core.audit import Actor
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import Role, User
from search import analysis
from search.ast import Words
from search.engines import SearchEngine

if TYPE_CHECKING:  # Playwright is imported only by the tests that open a browser
    from playwright.sync_api import Browser, Page, Route

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
TEST_SECRET = "test-secret-" + "x" * 40
TEST_CREDENTIALS_KEY = "dGVzdC1jcmVkZW50aWFscy1rZXktMzItYnl0ZXMhISE="  # a Fernet key, for production mode
TEST_PASSWORD = "correct horse battery staple"
# Debian's Chromium: Playwright's own browser builds cannot be fetched here.
CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet: no fetches of its own (updates, sync, QUIC probes), and
# no name resolves, so nothing but loopback (addressed by IP) can be reached.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
LOOPBACK = {"127.0.0.1", "::1", "localhost"}

# A developer's own CUSTODIA_* settings must not leak into tests.
for _name in [n for n in os.environ if n.startswith("CUSTODIA_") and not n.startswith("CUSTODIA_TEST_")]:
    del os.environ[_name]


def _missing(message: str) -> NoReturn:
    """Something a test needs is not there: a failure in CI, else a skip."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _service_url(variable: str, what: str) -> str:
    """URL of a real service started by scripts/services.sh; required in CI."""
    url = os.environ.get(variable, "")
    if url:
        return url
    _missing(f"{what} is not running: start it with scripts/services.sh up (sets {variable})")


@pytest.fixture(scope="session", autouse=True)
def _composed() -> None:
    """Every handler and hook registered, as each entry point does (app.tasks)."""
    tasks.load()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return _service_url("CUSTODIA_TEST_PG_URL", "PostgreSQL")


@pytest.fixture(scope="session")
def elasticsearch_url() -> str:
    return _service_url("CUSTODIA_TEST_ES_URL", "Elasticsearch")


@pytest.fixture(scope="session")
def tika_url() -> str:
    return _service_url("CUSTODIA_TEST_TIKA_URL", "Tika")


@pytest.fixture(scope="session")
def imap_url() -> str:
    return _service_url("CUSTODIA_TEST_IMAP_URL", "Dovecot (IMAP)")


@pytest.fixture(scope="session")
def smtp_url() -> str:
    return _service_url("CUSTODIA_TEST_SMTP_URL", "the SMTP server")


@pytest.fixture(scope="session")
def smtp_outbox(smtp_url: str) -> Path:
    return Path(_service_url("CUSTODIA_TEST_SMTP_OUTBOX", "the SMTP server's outbox"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        _missing(f"the shared corpus is not beside this clone ({CORPUS})")
    return CORPUS


@contextmanager
def new_postgres_database(postgres_url: str, template: str = "",
                          dropper: ThreadPoolExecutor | None = None) -> Iterator[str]:
    """A PostgreSQL database of its own, empty or a copy of `template`; yields its URL.

    It is dropped afterwards, by `dropper` beside the next tests if one is given (a
    drop takes about a second), else before this returns.
    """
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    copy = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if dropper is None:
            _drop(admin, name)
        else:
            dropper.submit(_drop, admin, name)


@pytest.fixture(scope="session")
def _dropper() -> Iterator[ThreadPoolExecutor]:
    """Drops test databases beside the tests; waits for the last ones at the session's end."""
    with ThreadPoolExecutor(1, thread_name_prefix="drop-test-db") as pool:
        yield pool


@pytest.fixture
def fresh_postgres(postgres_url: str, _dropper: ThreadPoolExecutor) -> Iterator[str]:
    """An empty PostgreSQL database of this test's own."""
    with new_postgres_database(postgres_url, dropper=_dropper) as url:
        yield url


@pytest.fixture(scope="session")
def _postgres_template(postgres_url: str) -> Iterator[str]:
    """A database migrated once per session; each test's migrated database is a copy of it."""
    with new_postgres_database(postgres_url) as url:
        database = Database(url)
        migrations.upgrade(database.engine)
        database.dispose()
        name = str(make_url(url).database)
        # A copy needs a template nobody is connected to; this keeps autovacuum out too.
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        yield name


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "custodia.db"
    database = Database(f"sqlite:///{path}")
    migrations.upgrade(database.engine)
    database.dispose()
    return path


def _drop(admin: Engine, name: str) -> None:
    """Drop a test database; an autovacuum worker in it (not ours to end) makes FORCE fail
    for a moment, so try again shortly."""
    for attempt in range(10):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            return
        except ProgrammingError:
            if attempt == 9:
                raise
            time.sleep(0.5)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs on both backends: on an empty database, or on a
    migrated one when the test also uses `database`."""
    migrated = "database" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "custodia.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("_postgres_template") if migrated else ""
    with new_postgres_database(request.getfixturevalue("postgres_url"), template,
                               request.getfixturevalue("_dropper")) as url:
        yield url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated database: tests build their schema the way production does (the
    migrations ran once per session, on a template this database is a copy of)."""
    db = Database(database_url)
    if not inspect(db.engine).has_table("alembic_version"):  # a test's own database_url
        migrations.upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        env="test", data_dir=tmp_path / "var", database_url=database_url, secret_key=TEST_SECRET,
        in_process_worker=False,
    )


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings), client=("203.0.113.7", 50000)) as test_client:
        yield test_client


@pytest.fixture
def clock() -> FrozenClock:
    """The app's clock in tests that drive one (folders set their own moment)."""
    return FrozenClock(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))


@pytest.fixture
def api(settings: Settings, database: Database, clock: FrozenClock) -> Iterator[TestClient]:
    """The app on the `clock` fixture's frozen time, called from one client address."""
    with TestClient(create_app(settings, clock), client=("203.0.113.7", 50000)) as client:
        yield client


@pytest.fixture
def login(api: TestClient) -> Callable[[User], dict[str, str]]:
    """Sign a user in to `api`: their bearer headers."""
    def headers(user: User) -> dict[str, str]:
        answer = api.post("/api/v1/auth/token",
                          data={"username": user.username, "password": TEST_PASSWORD})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    return headers


@pytest.fixture
def live_server(settings: Settings, database: Database) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, for a browser; yields its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        listener.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (scripts/install-chromium.sh)."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: install it with scripts/install-chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def foreign_requests() -> list[str]:
    """The URLs that this test's browser pages asked of a host other than loopback."""
    return []


@pytest.fixture
def page(browser: Browser, foreign_requests: list[str]) -> Iterator[Page]:
    """A fresh browser page cut off from the network: it reaches loopback only;
    any other request is aborted and added to `foreign_requests`."""

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            foreign_requests.append(route.request.url)
            route.abort("internetdisconnected")

    context = browser.new_context()
    context.route("**/*", loopback_only)
    yield context.new_page()
    context.close()


@pytest.fixture
def actor() -> Actor:
    return Actor("test-runner", "127.0.0.1", "test-request")


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(database: Database, actor: Actor) -> MakeUser:
    def make(*roles: Role, username: str | None = None, password: str = TEST_PASSWORD) -> User:
        name = username or f"user-{uuid.uuid4().hex[:8]}"
        with database.transaction() as session:
            return auth.create_user(session, actor, name, roles or [Role.clerk], password)

    return make


@pytest.fixture
def sign_in(client: TestClient) -> Callable[[User], dict[str, str]]:
    def headers(user: User, password: str = TEST_PASSWORD) -> dict[str, str]:
        response = client.post(
            "/api/v1/auth/token", data={"username": user.username, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return headers


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def find_phrase(engine: SearchEngine, text: str) -> list[str]:
    """Ids of the documents holding the words of `text` in a row, in any text field."""
    return sorted(engine.matching(Words(tuple(analysis.tokens(text))), "America/Denver"))
