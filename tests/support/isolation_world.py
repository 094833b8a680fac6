"""Two workspaces on one database for the isolation matrix (tests/test_isolation_matrix.py):
`ours`, whose credentials every request uses, and `theirs`, whose tickets, messages,
categories, fields, groups and teammates carry text that no answer to `ours` may hold.
`theirs` has more of everything than `ours`, so each of its numbers (the helpdesk's
integer ids) names nothing in `ours`; its first numbers also exist in `ours`."""

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from tests.support.helpdesk import access_token, ok
from tests.support.workspaces import Workspace, new_workspace, settings_for
from ticketd.app import Services, build_services, create_app
from ticketd.demo import DEMO_CONFIG, DEMO_STAFF_ID
from ticketd.helpdesk import auth
from ticketd.people import credentials
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM
from ticketd.tickets import queries
from ticketd.workspaces import access, fields
from ticketd.workspaces import service as workspaces

BASE = "http://ticketd.test"
PASSWORD = "correct horse battery staple"
NARROW_STAFF = 555_000_111  # staff of ours' support department only
THEIR_TICKETS = 10  # ours never gets this many, so their last number is theirs alone
# Text only `theirs` holds, and ours' ticket that NARROW_STAFF may not see.
THEIR_TEXT = {
    "subject": "Theirs-7f3a subject",
    "message": "Theirs-7f3a opening message",
    "reply": "Theirs-7f3a staff reply",
    "note": "Theirs-7f3a internal note",
    "category": "Theirs-7f3a category",
    "department": "Theirs-7f3a department",
    "field": "Theirs-7f3a field",
    "tag": "theirs-7f3a-tag",
    "teammate": "theirs-7f3a@example.com",
}
HIDDEN_SUBJECT = "Ours-moderation-c41d subject"


@dataclass
class Side:
    ws: Workspace
    bearer: dict[str, str]
    refresh_token: str
    client_id: str
    codes: list[str] = field(default_factory=list)  # Series TicketIds, oldest first
    object_ids: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # authors' link tokens
    numbers: dict[str, int] = field(default_factory=dict)  # what -> helpdesk integer id
    teammate_guid: str = ""

    @property
    def key(self) -> dict[str, str]:
        return {"apikey": self.ws.key}


@dataclass
class World:
    app: Any
    http: httpx.AsyncClient  # no credentials of its own
    staff: httpx.AsyncClient  # signed in to ours as NARROW_STAFF
    ours: Side
    theirs: Side
    revoked_key: str
    revoked_client: tuple[str, str]  # (refresh token, client id), revoked
    revoked_bearer: str
    staff_csrf: str = ""
    author_csrf: str = ""  # of their first ticket's author's page
    bad_tokens: dict[str, str] = field(default_factory=dict)  # kind -> bearer token


@asynccontextmanager
async def world(database_url: str) -> AsyncIterator[World]:
    """Caching off, so a revoked key or client is refused at once."""
    services = build_services(settings_for(database_url, cache_ttl_seconds=0))
    await services.db.connect()
    try:
        app = create_app(services=services)
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url=BASE) as http,
            httpx.AsyncClient(transport=transport, base_url=BASE) as staff,
        ):
            made = await _build(services, http, staff)
            made.app = app
            yield made
    finally:
        await services.db.close()


async def _build(services: Services, http: httpx.AsyncClient, staff: httpx.AsyncClient) -> World:
    ours = await _side(services, http, _ours_config(), "ours-agent@example.com")
    theirs = await _side(services, http, _their_config(), THEIR_TEXT["teammate"])
    await _fill_theirs(services, http, theirs)
    await _fill_ours(services, http, ours)
    key, prefix = await workspaces.create_api_key(
        services.db, workspace_id=ours.ws.id, actor=SYSTEM
    )
    await workspaces.revoke_api_key(services.db, None, actor=SYSTEM, prefix=prefix)
    gone = await auth.create_client(services.db, workspace_id=ours.ws.id, name="Gone")
    bearer = await access_token(http, gone.refresh_token, gone.client_id)
    await auth.revoke_client(services.db, client_id=gone.client_id)
    made = World(None, http, staff, ours, theirs, key, (gone.refresh_token, gone.client_id),
                 bearer)  # fmt: skip
    made.bad_tokens = await _bad_tokens(services, ours, theirs)
    made.staff_csrf = await _sign_in_narrow_staff(services, staff, ours)
    made.author_csrf = _csrf((await http.get(f"/t/{theirs.tokens[0]}")).text)
    return made


def _ours_config() -> dict[str, Any]:
    departments = {**DEMO_CONFIG["Departments"]}
    support = departments["support-dept"]
    departments["support-dept"] = {**support, "Members": [DEMO_STAFF_ID, NARROW_STAFF]}
    members = [*DEMO_CONFIG["Members"], {"UserId": NARROW_STAFF, "Username": "narrow", "Rank": 1}]
    return {"Departments": departments, "Members": members}


def _their_config() -> dict[str, Any]:
    categories = {**DEMO_CONFIG["Categories"], "theirs-only": {"Name": THEIR_TEXT["category"]}}
    only = {"Name": THEIR_TEXT["department"], "Members": [DEMO_STAFF_ID],
            "Categories": ["theirs-only"]}  # fmt: skip
    departments = {**DEMO_CONFIG["Departments"], "theirs-only-dept": only}
    return {"PublicUrl": True, "Categories": categories, "Departments": departments}


async def _side(
    services: Services, http: httpx.AsyncClient, config: dict[str, Any], email: str
) -> Side:
    ws = await new_workspace(services, http, **config)
    client = await auth.create_client(services.db, workspace_id=ws.id, name="Web form")
    token = await access_token(http, client.refresh_token, client.client_id)
    side = Side(ws, {"Authorization": f"Bearer {token}"}, client.refresh_token, client.client_id)
    teammate = await people.add_teammate(
        services.db, services.cache, workspace_id=ws.id, name="Agent", email=email,
        role="agent", actor=SYSTEM,
    )  # fmt: skip
    side.teammate_guid = teammate.guid
    return side


async def _create(services: Services, http: httpx.AsyncClient, side: Side, subject: str,
                  message: str, category: str = "support") -> None:  # fmt: skip
    body = {"subject": subject, "category": category, "message": message,
            "authorUserId": 1000 + len(side.codes),  # each below the open-ticket limit
            "authorAvatarUrl": "https://tr.rbxcdn.com/a"}  # fmt: skip
    answer = await http.post("/tickets/create", json=body, headers=side.key)
    assert answer.status_code == 200, answer.text
    created = answer.json()["data"]
    side.codes.append(created["TicketId"])
    side.object_ids.append(created["_id"])
    config = await access.get_config(services.db, services.cache, side.ws.id)
    ticket, _ = await queries.ticket_with_messages(services.db, config, created["TicketId"])
    side.tokens.append(ticket.public_token)


async def _fill_theirs(services: Services, http: httpx.AsyncClient, theirs: Side) -> None:
    for n in range(THEIR_TICKETS):
        await _create(services, http, theirs, f"{THEIR_TEXT['subject']} {n}", THEIR_TEXT["message"])
    last = THEIR_TICKETS
    author = {"email": THEIR_TEXT["teammate"]}
    reply = await _hd(http, theirs, "POST", f"/tickets/{last}/replies",
                      {"message": THEIR_TEXT["reply"], "author": author})  # fmt: skip
    note = await _hd(http, theirs, "POST", f"/tickets/{last}/notes",
                     {"message": THEIR_TEXT["note"], "author": author})  # fmt: skip
    await _hd(http, theirs, "PUT", f"/tickets/{last}/tags", [THEIR_TEXT["tag"]])
    made = await fields.add_field(
        services.db, services.cache, workspace_id=theirs.ws.id, name=THEIR_TEXT["field"],
        field_type="text", actor=SYSTEM,
    )  # fmt: skip
    groups = await _hd(http, theirs, "GET", "/UserGroups")
    categories = await _hd(http, theirs, "GET", "/categories")
    theirs.numbers = {
        "ticket": last, "reply": reply["id"], "note": note["id"], "field": made.number,
        "group": max(g["id"] for g in groups), "category": max(c["id"] for c in categories),
    }  # fmt: skip


async def _fill_ours(services: Services, http: httpx.AsyncClient, ours: Side) -> None:
    await _create(services, http, ours, "Ours visible subject", "ours visible message")
    await _create(services, http, ours, HIDDEN_SUBJECT, "ours hidden", category="reports")
    ours.numbers = {"ticket": 1, "hidden": 2}


async def _hd(http: httpx.AsyncClient, side: Side, method: str, path: str, body: Any = None) -> Any:
    answer = await http.request(method, f"/helpdesk{path}", json=body, headers=side.bearer)
    return ok(answer)


async def _bad_tokens(services: Services, ours: Side, theirs: Side) -> dict[str, str]:
    key = await services.tokens.signing_key(services.db)
    now = int(time.time())
    claims = {"sub": ours.client_id, "ws": ours.ws.id, "iat": now, "exp": now + 600, "jti": "x"}
    forged_key = "an-entirely-different-signing-key-of-48-characters!"
    return {
        "garbage": "not-a-jwt",
        "expired": jwt.encode({**claims, "iat": now - 3700, "exp": now - 100}, key, "HS256"),
        "forged signature": jwt.encode(claims, forged_key, "HS256"),
        "another workspace's claim": jwt.encode({**claims, "ws": theirs.ws.id}, key, "HS256"),
    }


async def _sign_in_narrow_staff(services: Services, staff: httpx.AsyncClient, ours: Side) -> str:
    await credentials.set_password(services.db, actor=SYSTEM, workspace_id=ours.ws.id,
                                   password=PASSWORD, user_id=NARROW_STAFF)  # fmt: skip
    form = {"login": str(NARROW_STAFF), "password": PASSWORD, "workspace": ours.ws.id}
    signed = await staff.post("/staff/login", data=form)
    assert signed.status_code == 303, signed.text
    return _csrf((await staff.get(f"/staff/tickets/{ours.codes[0]}")).text)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)
