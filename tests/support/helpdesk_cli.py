"""For tests of the helpdesk's `ticketd` commands: setup and checks through an
in-process app on the same database, with caching off so what the CLI wrote shows at
once."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from tests.support.workspaces import settings_for
from ticketd.app import Services, build_services, create_app
from ticketd.helpdesk import auth
from ticketd.workspaces import access
from ticketd.workspaces.config import WorkspaceConfig

T = TypeVar("T")
Work = Callable[[httpx.AsyncClient, Services], Awaitable[T]]


def in_process(database_url: str, work: Work[T]) -> T:
    """Runs `work` with a client of a fresh in-process app on this database."""

    async def run() -> T:
        services = build_services(settings_for(database_url, cache_ttl_seconds=0))
        await services.db.connect()
        try:
            transport = httpx.ASGITransport(app=create_app(services=services))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://ticketd.test"
            ) as client:
                return await work(client, services)
        finally:
            await services.db.close()

    return asyncio.run(run())


async def exchange(client: httpx.AsyncClient, refresh_token: str, client_id: str) -> httpx.Response:
    return await client.post(
        "/helpdesk/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
        },
    )


def helpdesk_get(database_url: str, workspace_id: str, path: str) -> Any:
    """`data` of a helpdesk GET, made by a client created for the purpose."""

    async def work(client: httpx.AsyncClient, services: Services) -> Any:
        created = await auth.create_client(services.db, workspace_id=workspace_id, name="Check")
        token = await exchange(client, created.refresh_token, created.client_id)
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        response = await client.get(f"/helpdesk{path}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    return in_process(database_url, work)


def config_of(database_url: str, workspace_id: str) -> WorkspaceConfig:
    async def work(client: httpx.AsyncClient, services: Services) -> WorkspaceConfig:
        return await access.get_config(services.db, services.cache, workspace_id)

    return in_process(database_url, work)


def is_guid(value: Any) -> bool:
    return isinstance(value, str) and str(uuid.UUID(value)) == value
