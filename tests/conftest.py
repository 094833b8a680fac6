"""Real databases for every test: SQLite always, PostgreSQL wherever a server answers
(required when CI is set). Each test gets its own workspace, which isolates it.

Only fixtures live here; the helpers they use are in tests/support."""

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import proof
from tests.support.cli import Server
from tests.support.databases import ENGINES, PG_ADMIN_URL, pg_available, throwaway_pg_database
from tests.support.servers import running_servers
from tests.support.workspaces import Workspace, new_workspace, settings_for
from ticketd.app import Services, build_services, create_app
from ticketd.db.migrate import upgrade


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # a pytest-xdist worker: its counts go to the controller
        worker_output["proof"] = dict(proof.COUNTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    proof.merge(getattr(node, "workeroutput", {}).get("proof", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = proof.summary_lines()
    if lines:
        terminalreporter.section("robustness proof (counted after each test's checks passed)")
        for line in lines:
            terminalreporter.line(line)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def require_pg() -> None:
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but {PG_ADMIN_URL} does not answer")
        pytest.skip("no PostgreSQL server answers (set CI=true to make this a failure)")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    require_pg()
    with throwaway_pg_database("ticketd_test") as url:
        yield url


@pytest.fixture
def own_pg_url() -> Iterator[str]:
    """A PostgreSQL database for one test alone (its workers see only its outbox)."""
    require_pg()
    with throwaway_pg_database("ticketd_own") as url:
        yield url


@pytest.fixture
def own_sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ticketd.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=ENGINES)
def own_database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"own_{'pg' if request.param == 'postgresql' else 'sqlite'}_url")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'ticketd.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{'pg' if request.param == 'postgresql' else 'sqlite'}_url")


@pytest.fixture
async def services(database_url: str) -> AsyncIterator[Services]:
    services = build_services(settings_for(database_url))
    await services.db.connect()
    yield services
    await services.db.close()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services=services)
    # An address of the test's own: failed sign-ins and token requests count per address.
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as client:
        yield client


@pytest.fixture
async def ws(services: Services, client: httpx.AsyncClient) -> Workspace:
    """A demo-configured workspace of its own, with the key already sent on each call."""
    workspace = await new_workspace(services, client)
    client.headers["apikey"] = workspace.key
    return workspace


@pytest.fixture(scope="module", params=ENGINES)
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """One `ticketd serve` per engine for the whole module, with caching off."""
    fixture = "pg_url" if request.param == "postgresql" else "sqlite_url"
    database_url = request.getfixturevalue(fixture)
    with running_servers(database_url, 1, TICKETD_CACHE_TTL_SECONDS="0") as [url]:
        yield Server(database_url, url)
