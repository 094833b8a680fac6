"""A helpdesk integration's view: a demo workspace with teammates, custom fields and an
access token already sent on each call (through the same app, on both engines)."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import STAFF, Workspace
from ticketd.cli import field_output, teammate_output
from ticketd.helpdesk import auth
from ticketd.people import service as people
from ticketd.workspaces import fields

# The request body of the published Create Ticket page (shared/seeds/
# socialboards-create-ticket.txt), copied verbatim: CI has only this repository.
SEED = Path(__file__).with_name("seed_create_ticket.json")


def seed_body() -> dict[str, Any]:
    return json.loads(SEED.read_text())


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


@pytest.fixture
async def hd(ws: Workspace) -> Helpdesk:
    services = ws.services
    created = await auth.create_client(services.db, workspace_id=ws.id, name="Web form")
    client = ws.client
    token = await access_token(client, created.refresh_token, created.client_id)
    client.headers.pop("apikey", None)
    client.headers["Authorization"] = f"Bearer {token}"
    helpdesk = Helpdesk(ws, client, created.refresh_token, created.client_id)
    for name, email, role, user_id in (
        ("Ann Agent", "ann@example.com", "agent", None),
        ("Adam Admin", "adam@example.com", "admin", STAFF),  # also Series staff 987654321
        ("Rita Reader", "rita@example.com", "read_only_user", None),
    ):
        teammate = await people.add_teammate(
            services.db,
            services.cache,
            workspace_id=ws.id,
            name=name,
            email=email,
            role=role,
            user_id=user_id,
        )
        helpdesk.teammates[name.split()[0].lower()] = teammate_output(teammate)
    for name, kind, options in (
        ("City", "dropdown", ["Oslo", "Bergen"]),
        ("Order number", "number", None),
        ("Purchase date", "date", None),
        ("Notes", "text", None),
    ):
        custom_field = await fields.add_field(
            services.db,
            services.cache,
            workspace_id=ws.id,
            name=name,
            field_type=kind,
            options=options,
        )
        helpdesk.fields[name] = field_output(custom_field)
    config = await services_config(ws)
    helpdesk.categories = {c.key: c.id for c in config.categories.values()}
    return helpdesk


async def services_config(ws: Workspace) -> Any:
    from ticketd.workspaces import access

    return await access.get_config(ws.services.db, ws.services.cache, ws.id)
