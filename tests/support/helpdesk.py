"""A helpdesk integration's view of a workspace (`Helpdesk`, which the `hd` fixture
builds), the helpdesk envelope, and the published example request."""

import copy
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.workspaces import Workspace
from ticketd.helpdesk import auth
from ticketd.helpdesk.openapi import SEEDS


def seed_body() -> dict[str, Any]:
    """The request body of the published Create Ticket page (shared/seeds/
    socialboards-create-ticket.txt), as the OpenAPI document's example keeps it."""
    return copy.deepcopy(SEEDS["createTicket"]["request"])


@dataclass
class Helpdesk:
    ws: Workspace
    client: httpx.AsyncClient
    refresh_token: str
    client_id: str
    # name -> teammate as `teammate add` returns it (id is the GUID)
    teammates: dict[str, dict[str, Any]] = field(default_factory=dict)
    # name -> custom field definition
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)  # Series key -> integer id

    @property
    def db(self) -> Any:
        return self.ws.services.db

    async def create(self, **overrides: Any) -> int:
        response = await self.client.post("/helpdesk/tickets", json=ticket_body(self, **overrides))
        assert response.status_code == 200, response.text
        return response.json()["data"]

    async def get(self, ticket_id: int) -> dict[str, Any]:
        response = await self.client.get(f"/helpdesk/tickets/{ticket_id}")
        assert response.status_code == 200, response.text
        return response.json()["data"]


def ticket_body(hd: Helpdesk, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Cannot log in",
        "message": "<p>I cannot log in since <b>Tuesday</b>.</p>",
        "creator": {"name": "Bill Smith", "email": "bill_smith@example.com"},
        "categoryId": hd.categories["support"],
        "sentiment": "complaint",
        "sourceName": "Contact form",
        "tags": ["login"],
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["errorCode"] == -1 and body["errorText"] is None, body
    return body["data"]


def assert_hd_error(
    response: httpx.Response, status: int, code: int, text: str | None = None
) -> dict[str, Any]:
    """A failure in the helpdesk envelope with this HTTP status and errorCode; `text`,
    when given, must appear in errorText."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["data"] is None and body["errorCode"] == code, body
    assert isinstance(body["errorText"], str) and body["errorText"], body
    if text is not None:
        assert text in body["errorText"], body
    return body


async def access_token(client: httpx.AsyncClient, refresh_token: str, client_id: str) -> str:
    response = await client.post(
        "/helpdesk/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def bearer(ws: Workspace) -> dict[str, str]:
    """The Authorization header of a new helpdesk client of the workspace."""
    made = await auth.create_client(ws.services.db, workspace_id=ws.id, name="Web form")
    token = await access_token(ws.client, made.refresh_token, made.client_id)
    return {"Authorization": f"Bearer {token}"}


async def services_config(ws: Workspace) -> Any:
    from ticketd.workspaces import access

    return await access.get_config(ws.services.db, ws.services.cache, ws.id)
