"""Every statement on workspace data names its workspace: what a PostgreSQL distributed
by `workspace_id` (Citus) needs to send a request's queries to one node, and what keeps
one workspace's rows out of another's (docs/deployment.md).

A broad flow through both APIs, the dashboard, the author's link and the notification
worker runs on a database of its own while every statement is recorded."""

import asyncio
import copy
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.discord_receiver import DiscordReceiver, running_receiver
from tests.support.helpdesk import access_token
from tests.support.helpdesk import ok as hd_ok
from tests.support.series import STAFF, ticket_body
from tests.support.workspaces import Workspace, new_workspace, settings_for
from ticketd.app import Services, build_services, create_app
from ticketd.db import database
from ticketd.db.schema import metadata
from ticketd.demo import DEMO_CONFIG, DEMO_STAFF_ID
from ticketd.helpdesk import auth
from ticketd.notify.senders import delivering
from ticketd.people import credentials
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM
from ticketd.tickets.trigrams import SAMPLING
from ticketd.workspaces import fields

pytestmark = pytest.mark.anyio

# Tables whose rows belong to no one workspace, or are found before the workspace is
# known: reference tables (copied to every node) or tables kept on the coordinator.
NOT_DISTRIBUTED = {
    "workspaces": "small; every workspace's rows refer to it",
    "api_keys": "found by the key's hash: how a request's workspace is found",
    "helpdesk_clients": "found by client id when a token is exchanged",
    "staff_sessions": "found by the cookie's token hash: how a page's workspace is found",
    "sign_in_failures": "counted per login and per address, across workspaces",
    "instance_secrets": "one set for the whole instance",
    "event_deliveries": "the outbox queue: a destination's deliveries go out in order,"
    " whatever their workspace",
    "delivery_destinations": "the outbox queue's destinations, shared by workspaces",
}
DISTRIBUTED = {t for t in metadata.tables if t not in NOT_DISTRIBUTED}

# Statements on distributed tables that cannot name a workspace, each with the reason.
ALLOWED = {
    "SELECT id, ticket_id, actor_user_id": "the worker's poll for events of every"
    " workspace not fanned out yet (a query on every node, docs/deployment.md)",
    "SELECT COUNT(*) FROM events WHERE fanned_out_at IS NULL": "the worker's backlog"
    " metric, across workspaces",
    SAMPLING: "the search's sample of the whole table, which tells rare trigrams from"
    " common ones (ticketd/tickets/trigrams.py)",
    "WHERE t.public_token = $1": "the author's link names no workspace; Citus needs a"
    " routing table from token to workspace first",
}

# Moderation takes support tickets too, so one can be transferred there.
DEPARTMENTS = copy.deepcopy(DEMO_CONFIG["Departments"])
DEPARTMENTS["moderation-dept"]["Categories"].append("support")

_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+(\w+)", re.IGNORECASE)
_WORKSPACE = re.compile(r"\bworkspace_id\b")
_BOUND = re.compile(r"\bworkspace_id\s*(?:=\s*\$\d|IN\b)|INSERT INTO \w+ \([^)]*\bworkspace_id\b")


def unscoped(sql: str) -> bool:
    """True when the statement reads or writes a distributed table without naming the
    workspace: no `workspace_id` bound to a value (or inserted), or fewer mentions of it
    than references to distributed tables (a subquery or join left unfiltered)."""
    references = [t for t in _TABLE.findall(sql) if t in DISTRIBUTED]
    if not references or any(marker in sql for marker in ALLOWED):
        return False
    return not _BOUND.search(sql) or len(_WORKSPACE.findall(sql)) < len(references)


class StatementRecorder:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        for name in ("fetchrow", "fetch", "fetch_with_custom_plan", "fetchval", "execute",
                     "executemany"):  # fmt: skip
            method = getattr(database.PostgresConnection, name)
            monkeypatch.setattr(database.PostgresConnection, name, self._wrap(method))

    def _wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        async def recorded(conn: Any, sql: str, *args: Any) -> Any:
            self.statements.append(sql)
            return await method(conn, sql, *args)

        return recorded


@pytest.fixture
def discord() -> Iterator[DiscordReceiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
async def own_services(own_pg_url: str) -> AsyncIterator[Services]:
    fast = {"outbound_allow_hosts": "127.0.0.1", "delivery_poll_seconds": 0.05,
            "cache_ttl_seconds": 0.0}  # fmt: skip
    services = build_services(settings_for(own_pg_url, **fast))
    await services.db.connect()
    yield services
    await services.db.close()


async def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.02)


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 400, response.text
    return response.json() if "json" in response.headers.get("content-type", "") else None


async def series_flow(ws: Workspace) -> str:
    """A Series ticket worked through the API; returns its code."""
    client, key = ws.client, {"apikey": ws.key}
    code = ok(await client.post("/tickets/create", json=ticket_body(), headers=key))["data"][
        "TicketId"
    ]
    report = ticket_body(subject="Exploiter", category="reports", placeId="4242", serverId="s1")
    ok(await client.post("/tickets/create-game-report", json=report, headers=key))
    for action, body in (
        ("claim", {"staffUserId": STAFF}),
        ("reply", {"staffUserId": STAFF, "content": "Please join the group."}),
        ("reply-member", {"authorUserId": 123456789, "content": "Done, thanks"}),
        ("transfer", {"staffUserId": STAFF, "departmentId": "moderation-dept"}),
        ("status", {"staffUserId": STAFF, "status": "resolved"}),
    ):
        ok(await client.post(f"/tickets/{code}/{action}", json=body, headers=key))
    ok(await client.get(f"/tickets/get/{code}", headers=key))
    ok(await client.get("/tickets/list", params={"search": "ranking"}, headers=key))
    return str(code)


async def helpdesk_flow(services: Services, ws: Workspace, teammate_guid: str) -> None:
    """A helpdesk ticket with tags and custom field values, replies and notes, listed
    by field value."""
    created = await auth.create_client(services.db, workspace_id=ws.id, name="Web form")
    token = await access_token(ws.client, created.refresh_token, created.client_id)
    bearer = {"Authorization": f"Bearer {token}"}
    city = await fields.add_field(services.db, services.cache, workspace_id=ws.id, name="City",
                                  field_type="text", options=None, actor=SYSTEM)  # fmt: skip
    body = {"title": "Printer on fire", "message": "It smokes", "tags": ["hardware"],
            "creator": {"email": "cat@example.com", "name": "Cat"},
            "customFields": [{"id": city.id, "value": "Oslo"}]}  # fmt: skip
    ticket_id = hd_ok(await ws.client.post("/helpdesk/tickets", json=body, headers=bearer))
    path = f"/helpdesk/tickets/{ticket_id}"
    ann = {"email": "ann@example.com"}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", f"{path}/assignee", {"assigneeId": teammate_guid, "previousAssigneeId": None}),
        ("POST", f"{path}/replies", {"message": "We are on it", "author": ann}),
        ("POST", f"{path}/replies", {"message": "Half done", "author": ann, "isDraft": True}),
        ("POST", f"{path}/notes", {"message": "call the fire brigade", "author": ann}),
        ("PUT", f"{path}/tags", {"tags": ["hardware", "urgent"]}),
        ("PUT", f"{path}/customFields/{city.id}", {"value": "Bergen"}),
        ("PATCH", f"{path}/status", {"status": "completed"}),
        ("POST", "/helpdesk/tickets/list",
         {"customFields": [{"key": city.id, "value": "Bergen"}], "take": 10}),
        ("POST", f"{path}/log", {}),
    ]  # fmt: skip
    for method, url, json in calls:
        hd_ok(await ws.client.request(method, url, json=json, headers=bearer))
    for url in (path, f"{path}/replies", f"{path}/notes", "/helpdesk/tags"):
        hd_ok(await ws.client.get(url, headers=bearer))
    notes = hd_ok(await ws.client.get(f"{path}/notes", headers=bearer))
    note = f"{path}/notes/{notes[0]['id']}"
    hd_ok(await ws.client.put(note, json={"message": "fire is out"}, headers=bearer))
    hd_ok(await ws.client.delete(note, headers=bearer))
    await fields.delete_field(services.db, services.cache, workspace_id=ws.id, field_id=city.id,
                              actor=SYSTEM)  # fmt: skip


async def dashboard_flow(services: Services, ws: Workspace, code: str) -> None:
    await credentials.set_password(services.db, actor=SYSTEM, workspace_id=ws.id,
                                   password="correct horse", user_id=DEMO_STAFF_ID)  # fmt: skip
    login = {"login": str(DEMO_STAFF_ID), "password": "correct horse", "workspace": ws.id}
    assert (await ws.client.post("/staff/login", data=login)).status_code == 303
    for page in ("/staff/", "/staff/?q=brigade", "/staff/?tag=urgent", "/staff/stats",
                 f"/staff/tickets/{code}", f"/staff/tickets/{code}/transcript"):  # fmt: skip
        assert (await ws.client.get(page)).status_code == 200, page
    page = (await ws.client.get(f"/staff/tickets/{code}")).text
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    note = {"csrf": found.group(1), "text": "checked the logs"}
    assert (await ws.client.post(f"/staff/tickets/{code}/note", data=note)).status_code == 303


async def test_every_statement_on_workspace_data_names_the_workspace(
    own_services: Services, discord: DiscordReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = own_services
    transport = httpx.ASGITransport(app=create_app(services=services))
    async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as client:
        recorder = StatementRecorder(monkeypatch)
        config = {"Departments": DEPARTMENTS, "DiscordNotificationWebhookEnabled": True,
                  "DiscordNotificationWebhookUrl": discord.url}  # fmt: skip
        ws = await new_workspace(services, client, **config)
        teammate = await people.add_teammate(
            services.db, services.cache, workspace_id=ws.id, name="Ann Agent",
            email="ann@example.com", role="agent", user_id=None, actor=SYSTEM,
        )  # fmt: skip
        code = await series_flow(ws)
        await helpdesk_flow(services, ws, teammate.guid)
        await dashboard_flow(services, ws, code)
        await ws.configure(**config, PublicUrl=True)
        ticket = ok(await client.get(f"/tickets/get/{code}", headers={"apikey": ws.key}))
        page = await client.get(ticket["data"]["Ticket"]["PublicUrl"])
        assert page.status_code == 200 and "Please join the group." in page.text
        async with delivering(services.db, services.settings):
            await eventually(lambda: len(discord.received) >= 3)

    assert len(recorder.statements) > 100
    unscoped_statements = [sql[:120] for sql in dict.fromkeys(recorder.statements) if unscoped(sql)]
    assert unscoped_statements == [], "\n".join(unscoped_statements)


@pytest.mark.parametrize(
    "sql",
    [  # statements as ticketd wrote them before migration 0008
        "SELECT id FROM tickets WHERE workspace_id = $1 AND id IN (SELECT id FROM tickets"
        " WHERE lower(subject) LIKE $2 UNION SELECT ticket_id FROM messages WHERE NOT is_draft"
        " AND lower(content) LIKE $2)",
        "INSERT INTO messages (ticket_id, key) VALUES ((SELECT id FROM tickets"
        " WHERE workspace_id = $1 AND id = $2), $3) RETURNING id",
        "SELECT id, department_key FROM tickets WHERE id IN ($1, $2)",
        "DELETE FROM department_members WHERE department_id = $1",
    ],
)
def test_the_check_finds_statements_that_leave_the_workspace_out(sql: str) -> None:
    assert unscoped(sql)
