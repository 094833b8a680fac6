"""Keys, plans, module switch, rate limit and workspace isolation."""

import asyncio
import typing

import httpx
import pytest

from tests.support.series import assert_error, create_ticket, ticket_body
from tests.support.workspaces import Workspace, new_workspace, settings_for
from ticketd.app import build_services, create_app
from ticketd.people.actors import SYSTEM
from ticketd.workspaces import access, repository
from ticketd.workspaces import service as workspaces

pytestmark = pytest.mark.anyio

PREMIUM = "Tickets module requires a Premium or Enterprise subscription"
DISABLED = "Tickets module is not enabled for this workspace"


async def test_missing_key_is_401(ws: Workspace) -> None:
    del ws.client.headers["apikey"]
    response = await ws.client.get("/tickets/list")
    assert_error(response, 401, "API key is required: send it in the apikey or x-api-key header")


async def test_unknown_key_is_401(ws: Workspace) -> None:
    response = await ws.client.get("/tickets/list", headers={"apikey": "tk_nope_nothing"})
    assert_error(response, 401, "Invalid API key")


async def test_x_api_key_header_is_accepted(ws: Workspace) -> None:
    del ws.client.headers["apikey"]
    response = await ws.client.get("/tickets/list", headers={"x-api-key": ws.key})
    assert response.status_code == 200


async def test_revoked_key_is_refused_at_once(ws: Workspace) -> None:
    assert (await ws.client.get("/tickets/list")).status_code == 200
    prefix = ws.key.rsplit("_", 1)[0]
    assert await workspaces.revoke_api_key(
        ws.services.db, ws.services.cache, prefix=prefix, actor=SYSTEM
    )
    assert_error(await ws.client.get("/tickets/list"), 401, "Invalid API key")


@pytest.mark.parametrize("plan", ["free"])
async def test_free_plan_is_refused_on_every_endpoint(ws: Workspace, plan: str) -> None:
    ticket = await create_ticket(ws.client)
    await workspaces.set_workspace(
        ws.services.db, ws.services.cache, workspace_id=ws.id, plan=plan, actor=SYSTEM
    )
    tid = ticket["TicketId"]
    calls = [
        ws.client.post("/tickets/create", json=ticket_body()),
        ws.client.post("/tickets/create-game-report", json=ticket_body(placeId="1")),
        ws.client.get(f"/tickets/get/{tid}"),
        ws.client.get("/tickets/list"),
        ws.client.get("/tickets/config"),
        ws.client.post(f"/tickets/{tid}/claim", json={"staffUserId": 987654321}),
        ws.client.post(f"/tickets/{tid}/reply", json={"staffUserId": 1, "content": "x"}),
    ]
    for call in calls:
        assert_error(await call, 403, PREMIUM)


async def test_disabled_module_is_refused_but_config_stays_readable(ws: Workspace) -> None:
    await workspaces.set_workspace(
        ws.services.db, ws.services.cache, workspace_id=ws.id, tickets_enabled=False, actor=SYSTEM
    )
    assert_error(await ws.client.post("/tickets/create", json=ticket_body()), 403, DISABLED)
    assert_error(await ws.client.get("/tickets/list"), 403, DISABLED)
    config = await ws.client.get("/tickets/config")
    assert config.json()["data"]["Enabled"] is False


async def test_enterprise_plan_is_allowed(ws: Workspace) -> None:
    await workspaces.set_workspace(
        ws.services.db, ws.services.cache, workspace_id=ws.id, plan="enterprise", actor=SYSTEM
    )
    await create_ticket(ws.client)


async def test_another_workspaces_key_cannot_see_or_touch_a_ticket(ws: Workspace) -> None:
    ticket = await create_ticket(ws.client)
    other = await new_workspace(ws.services, ws.client)
    headers = {"apikey": other.key}
    for ref in (ticket["TicketId"], ticket["_id"]):
        assert_error(
            await ws.client.get(f"/tickets/get/{ref}", headers=headers), 404, "Ticket not found"
        )
        response = await ws.client.post(
            f"/tickets/{ref}/claim", json={"staffUserId": 987654321}, headers=headers
        )
        assert_error(response, 404, "Ticket not found")
    listed = await ws.client.get("/tickets/list", headers=headers)
    assert listed.json()["data"]["Pagination"]["TotalCount"] == 0
    assert (await ws.client.get(f"/tickets/get/{ticket['TicketId']}")).status_code == 200


async def test_rate_limit_answers_429_with_retry_after(database_url: str) -> None:
    services = build_services(settings_for(database_url, rate_limit_per_second=25))
    await services.db.connect()
    try:
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            ws = await new_workspace(services, client)
            other = await new_workspace(services, client)
            statuses = [
                (await client.get("/tickets/config", headers={"apikey": ws.key})).status_code
                for _ in range(30)
            ]
            assert statuses[:25] == [200] * 25
            limited = await client.get("/tickets/config", headers={"apikey": ws.key})
            assert_error(limited, 429, "Rate limit exceeded: too many requests for this API key")
            assert int(limited.headers["retry-after"]) >= 1
            # The limit is per key: another workspace's key is unaffected.
            assert (
                await client.get("/tickets/config", headers={"apikey": other.key})
            ).status_code == 200
    finally:
        await services.db.close()


async def test_check_key_reports_valid_and_invalid_keys(ws: Workspace) -> None:
    del ws.client.headers["apikey"]
    valid = (await ws.client.get(f"/basic/check-key/{ws.key}")).json()
    assert valid["success"] is True
    assert valid["data"]["valid"] is True
    assert valid["data"]["workspaceId"] == ws.id
    assert valid["data"]["status"] == "active"
    assert set(valid["data"]) == {
        "valid",
        "workspaceId",
        "workspaceName",
        "status",
        "createdAt",
        "lastUsed",
        "rateLimitRemaining",
        "rateLimitReset",
    }
    invalid = (await ws.client.get("/basic/check-key/tk_bogus")).json()
    assert invalid["data"] == {
        "valid": False,
        "status": "inactive",
        "message": "API key is inactive or invalid",
    }


async def test_unknown_route_and_wrong_method_use_the_envelope(ws: Workspace) -> None:
    assert_error(await ws.client.get("/tickets/nothing/here"), 404, "Not found")
    assert_error(await ws.client.delete("/tickets/create"), 405, "Method not allowed")


async def test_requests_missing_the_configuration_together_share_one_load(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the cached configuration expires, every request in flight misses it at once;
    they wait for one load (a failed load fails them all, and the next request loads
    again)."""
    loads = []
    real_load = repository.load_config

    async def counted(conn: typing.Any, workspace_id: str, previous: typing.Any) -> typing.Any:
        loads.append(workspace_id)
        await asyncio.sleep(0.05)  # every other request arrives while this one loads
        if len(loads) == 2:
            raise RuntimeError("the database fell over")
        return await real_load(conn, workspace_id, previous)

    monkeypatch.setattr(repository, "load_config", counted)
    db, cache = ws.services.db, ws.services.cache
    for expected in ("loaded", RuntimeError, "loaded"):
        cache.clear()
        got = await asyncio.gather(
            *(access.get_config(db, cache, ws.id) for _ in range(16)), return_exceptions=True
        )
        if expected == "loaded":
            assert {id(c) for c in got} == {id(got[0])} and got[0].workspace.id == ws.id
        else:
            assert all(isinstance(c, RuntimeError) for c in got), got
    assert loads == [ws.id] * 3
