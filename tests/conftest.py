"""Real databases for every test: SQLite always, PostgreSQL wherever a server answers
(required when CI is set). Each test gets its own workspace, which isolates it."""

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from ticketd.app import Services, build_services, create_app
from ticketd.db.migrate import upgrade
from ticketd.demo import DEMO_CONFIG
from ticketd.series.config_file import ConfigFile
from ticketd.settings import Settings
from ticketd.workspaces import service as workspaces

PG_ADMIN_URL = os.environ.get("TICKETD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
STAFF = 987654321
AUTHOR = 123456789
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _pg_available() -> bool:
    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
        return True
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False


async def _pg_admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _pg_database_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but {PG_ADMIN_URL} does not answer")
        pytest.skip("no PostgreSQL server answers (set CI=true to make this a failure)")
    name = f"ticketd_test_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = _pg_database_url(name)
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'ticketd.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{'pg' if request.param == 'postgresql' else 'sqlite'}_url")


def settings_for(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": url, "rate_limit_per_second": 10_000}
    return Settings(**{**values, **overrides})


@pytest.fixture
async def services(database_url: str) -> AsyncIterator[Services]:
    services = build_services(settings_for(database_url))
    await services.db.connect()
    yield services
    await services.db.close()


@dataclass
class Workspace:
    id: str
    key: str
    client: httpx.AsyncClient
    services: Services

    async def configure(self, **changes: object) -> None:
        config = {**DEMO_CONFIG, **changes}
        await workspaces.apply_config(
            self.services.db,
            self.services.cache,
            workspace_id=self.id,
            config=ConfigFile.model_validate(config).to_settings(),
        )


async def new_workspace(
    services: Services, client: httpx.AsyncClient, **config: object
) -> Workspace:
    workspace_id = await workspaces.create_workspace(services.db, name="Test workspace")
    key, _ = await workspaces.create_api_key(services.db, workspace_id=workspace_id)
    workspace = Workspace(workspace_id, key, client, services)
    await workspace.configure(**config)
    return workspace


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as client:
        yield client


@pytest.fixture
async def ws(services: Services, client: httpx.AsyncClient) -> Workspace:
    """A demo-configured workspace of its own, with the key already sent on each call."""
    workspace = await new_workspace(services, client)
    client.headers["apikey"] = workspace.key
    return workspace


def ticket_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "subject": "Help with ranking",
        "category": "support",
        "message": "I need help getting ranked in the group",
        "priority": "medium",
        "authorUserId": AUTHOR,
        "authorUsername": "player123",
        "authorDisplayName": "Player Name",
        "authorAvatarUrl": "https://tr.rbxcdn.com/avatar-url",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def create_ticket(client: httpx.AsyncClient, **overrides: object) -> dict[str, object]:
    response = await client.post("/tickets/create", json=ticket_body(**overrides))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def assert_error(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"success": False, "error": {"code": status, "message": message}}


ROOT = Path(__file__).resolve().parent.parent
