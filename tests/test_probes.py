"""The probes an orchestrator asks: alive (`/healthz`) and ready to serve (`/readyz`:
the database answers and is at this code's migration)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.redis import private_redis
from tests.support.workspaces import settings_for
from ticketd.app import build_services, create_app
from ticketd.db.migrate import HEAD_REVISION
from ticketd.kit import changes

pytestmark = pytest.mark.anyio


@pytest.fixture
async def own_client(own_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    services = build_services(settings_for(own_database_url))
    await services.db.connect()
    app = create_app(services=services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ticketd.test"
    ) as client:
        client.app_services = services  # type: ignore[attr-defined]
        yield client
    await services.db.close()


async def test_alive_and_ready_on_a_current_database(own_client: httpx.AsyncClient) -> None:
    alive = await own_client.get("/healthz")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    ready = await own_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_not_ready_while_the_database_is_behind_this_code(
    own_client: httpx.AsyncClient,
) -> None:
    db = own_client.app_services.db  # type: ignore[attr-defined]
    async with db.transaction() as conn:
        await conn.execute("UPDATE alembic_version SET version_num = '0005'")
    answer = await own_client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"].startswith("at migration 0005, this code needs")
    alive = await own_client.get("/healthz")  # alive all the same: restarting would not help
    assert alive.status_code == 200


async def test_not_ready_while_the_database_is_not_migrated(
    own_client: httpx.AsyncClient,
) -> None:
    db = own_client.app_services.db  # type: ignore[attr-defined]
    async with db.transaction() as conn:
        await conn.execute("DROP TABLE alembic_version")
    answer = await own_client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["status"] == "not ready"
    assert answer.json()["checks"]["database"] == f"not migrated, this code needs {HEAD_REVISION}"


async def test_not_ready_while_the_database_cannot_answer(
    own_client: httpx.AsyncClient,
) -> None:
    await own_client.app_services.db.close()  # type: ignore[attr-defined]
    answer = await own_client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["status"] == "not ready"
    assert answer.json()["checks"]["database"] == "failed (RuntimeError)"


async def test_with_redis_configured_readiness_tells_whether_it_answers(sqlite_url: str) -> None:
    """Redis away leaves the service degraded (each process limits on its own), not
    unready: the probe says so in its body and keeps answering 200."""
    with private_redis() as redis:
        services = build_services(settings_for(sqlite_url, redis_url=redis.url))
        await services.db.connect()
        feed = changes.use(redis.url)  # as the app's lifespan does
        transport = httpx.ASGITransport(app=create_app(services=services))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                ready = await client.get("/readyz")
                assert ready.json() == {
                    "status": "ready",
                    "checks": {"database": "ok", "redis": "ok"},
                }
                redis.stop()
                degraded = await client.get("/readyz")
                assert degraded.status_code == 200 and degraded.json()["status"] == "degraded"
                assert degraded.json()["checks"]["redis"].startswith("failed (")
                redis.start()
                assert (await client.get("/readyz")).json()["status"] == "ready"
        finally:
            await feed.close()
            changes.use(None)
            await services.db.close()
