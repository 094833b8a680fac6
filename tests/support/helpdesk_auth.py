"""For the helpdesk auth tests: the protected path they call, bearer tokens made by
hand or by a second client, and an app of its own for settings the `hd` fixture's
app does not have."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.support.helpdesk import Helpdesk, access_token, assert_hd_error
from tests.support.workspaces import new_workspace, settings_for
from ticketd.app import Services, build_services, create_app
from ticketd.helpdesk import auth
from ticketd.helpdesk.envelope import ERRORS

PROTECTED = "/helpdesk/categories"
INVALID_TOKEN = ERRORS["invalid_token"][0]  # 201


def assert_invalid_token(response: httpx.Response, text: str | None = None) -> None:
    body = assert_hd_error(response, 401, INVALID_TOKEN, text)
    assert set(body) == {"data", "errorCode", "errorText"}, body
    assert response.headers["WWW-Authenticate"].startswith("Bearer"), response.headers


def claims_for(hd: Helpdesk, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": hd.client_id,
        "ws": hd.ws.id,
        "iat": now,
        "exp": now + 600,
        "jti": "0123456789abcdef",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def real_key(hd: Helpdesk) -> str:
    return await hd.ws.services.tokens.signing_key(hd.db)


async def get_with_token(hd: Helpdesk, token: str) -> httpx.Response:
    return await hd.client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})


async def second_client(hd: Helpdesk, workspace_id: str | None = None) -> str:
    """An access token of another client (of this workspace unless told otherwise)."""
    created = await auth.create_client(
        hd.db, workspace_id=workspace_id or hd.ws.id, name="Second integration"
    )
    return await access_token(hd.client, created.refresh_token, created.client_id)


@asynccontextmanager
async def own_app(database_url: str, **settings: object) -> AsyncIterator[Helpdesk]:
    """A separate app with its own settings, a demo workspace and a signed-in client."""
    services: Services = build_services(settings_for(database_url, **settings))
    await services.db.connect()
    try:
        app = create_app(services=services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as http:
            ws = await new_workspace(services, http)
            created = await auth.create_client(services.db, workspace_id=ws.id, name="Own")
            token = await access_token(http, created.refresh_token, created.client_id)
            http.headers["Authorization"] = f"Bearer {token}"
            yield Helpdesk(ws, http, created.refresh_token, created.client_id)
    finally:
        await services.db.close()
