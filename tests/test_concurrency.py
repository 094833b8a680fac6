"""Invariants that must hold when requests really race: two server processes on one
database, many simultaneous HTTP requests."""

import asyncio
import itertools
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.support.series import STAFF, ticket_body
from tests.support.servers import running_servers
from ticketd.cli import client_output
from ticketd.db.database import open_database
from ticketd.demo import DEMO_CONFIG
from ticketd.helpdesk import auth
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM
from ticketd.series.config_file import ConfigFile
from ticketd.workspaces import service as workspaces

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def servers(database_url: str) -> Iterator[list[str]]:
    with running_servers(database_url, 2) as urls:
        yield urls


async def make_workspace(database_url: str, **config: object) -> str:
    db = open_database(database_url)
    await db.connect()
    try:
        workspace_id = await workspaces.create_workspace(db, name="race", actor=SYSTEM)
        await workspaces.apply_config(
            db,
            None,
            workspace_id=workspace_id,
            config=ConfigFile.model_validate({**DEMO_CONFIG, **config}).to_settings(),
            actor=SYSTEM,
        )
        key, _ = await workspaces.create_api_key(db, workspace_id=workspace_id, actor=SYSTEM)
        return key
    finally:
        await db.close()


async def fire(urls: list[str], key: str, requests: list[tuple[str, dict]]) -> list[httpx.Response]:
    """Sends all requests at once, alternating between the servers."""
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(headers={"apikey": key}, timeout=60, limits=limits) as client:
        targets = itertools.cycle(urls)
        return await asyncio.gather(
            *(client.post(next(targets) + path, json=body) for path, body in requests)
        )


async def test_fifty_simultaneous_creates_respect_a_limit_of_five(
    database_url: str, servers: list[str]
) -> None:
    key = await make_workspace(
        database_url,
        Categories={
            "support": {"Name": "Support", "MaxOpenTickets": 5},
            "reports": {"Name": "R"},
        },
    )
    responses = await fire(servers, key, [("/tickets/create", ticket_body())] * 50)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 5, 400: 45}
    refused = {r.json()["error"]["message"] for r in responses if r.status_code == 400}
    assert refused == {"You can only have 5 open tickets in this category"}
    async with httpx.AsyncClient(headers={"apikey": key}) as client:
        listed = (await client.get(f"{servers[0]}/tickets/list")).json()["data"]
    assert listed["Pagination"]["TotalCount"] == 5


async def test_twenty_simultaneous_claims_have_exactly_one_winner(
    database_url: str, servers: list[str]
) -> None:
    claimers = list(range(9000, 9020))
    key = await make_workspace(
        database_url,
        Departments={
            "support-dept": {"Name": "Support", "Members": claimers, "Categories": ["support"]},
            "moderation-dept": {
                "Name": "Moderation",
                "Members": [STAFF],
                "Categories": ["reports"],
            },
        },
    )
    [created] = await fire(servers, key, [("/tickets/create", ticket_body())])
    ticket_id = created.json()["data"]["TicketId"]

    responses = await fire(
        servers, key, [(f"/tickets/{ticket_id}/claim", {"staffUserId": s}) for s in claimers]
    )

    winners = [s for s, r in zip(claimers, responses, strict=True) if r.status_code == 200]
    assert len(winners) == 1
    losers = [r.json() for r in responses if r.status_code != 200]
    assert (
        losers
        == [{"success": False, "error": {"code": 400, "message": "Ticket already claimed"}}] * 19
    )
    async with httpx.AsyncClient(headers={"apikey": key}) as client:
        ticket = (await client.get(f"{servers[1]}/tickets/get/{ticket_id}")).json()["data"][
            "Ticket"
        ]
    assert ticket["ClaimedBy"] == winners[0]
    system = [m for m in ticket["Content"].values() if m["Type"] == "system_message"]
    assert len(system) == 1


async def test_two_thousand_rapid_creates_get_distinct_ids(
    database_url: str, servers: list[str]
) -> None:
    key = await make_workspace(database_url)
    bodies = [("/tickets/create", ticket_body(authorUserId=100_000 + i)) for i in range(2000)]
    responses = []
    for start in range(0, len(bodies), 200):
        responses += await fire(servers, key, bodies[start : start + 200])

    assert Counter(r.status_code for r in responses) == {200: 2000}
    data = [r.json()["data"] for r in responses]
    assert len({d["TicketId"] for d in data}) == 2000
    assert len({d["_id"] for d in data}) == 2000
    async with httpx.AsyncClient(headers={"apikey": key}) as client:
        listed = (await client.get(f"{servers[0]}/tickets/list")).json()["data"]
    assert listed["Pagination"]["TotalCount"] == 2000


async def helpdesk_setup(
    database_url: str, teammates: int, **config: object
) -> tuple[dict, list[str]]:
    """A workspace with an integration client, an API key and `teammates` agents (agent
    i is Series member 5000 + i too); returns the client's credentials with the key
    and the teammates' GUIDs."""
    db = open_database(database_url)
    await db.connect()
    try:
        workspace_id = await workspaces.create_workspace(db, name="race", actor=SYSTEM)
        await workspaces.apply_config(
            db,
            None,
            workspace_id=workspace_id,
            config=ConfigFile.model_validate({**DEMO_CONFIG, **config}).to_settings(),
            actor=SYSTEM,
        )
        client = client_output(await auth.create_client(db, workspace_id=workspace_id, name="race"))
        client["apiKey"], _ = await workspaces.create_api_key(
            db, workspace_id=workspace_id, actor=SYSTEM
        )
        guids = [
            (
                await people.add_teammate(
                    db,
                    None,
                    workspace_id=workspace_id,
                    name=f"Agent {i}",
                    email=f"agent{i}@example.com",
                    role="agent",
                    user_id=5000 + i,
                    actor=SYSTEM,
                )
            ).guid
            for i in range(teammates)
        ]
        return client, guids
    finally:
        await db.close()


async def access_token(http: httpx.AsyncClient, url: str, credentials: dict) -> str:
    token = await http.post(
        f"{url}/helpdesk/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials["refreshToken"],
            "client_id": credentials["clientId"],
        },
    )
    return f"Bearer {token.json()['access_token']}"


async def test_simultaneous_creates_through_both_apis_respect_one_open_ticket_limit(
    database_url: str, servers: list[str]
) -> None:
    limited = {"support": {"Name": "Support", "MaxOpenTickets": 5}, "reports": {"Name": "R"}}
    credentials, _ = await helpdesk_setup(database_url, 1, Categories=limited)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=200)) as http:
        bearer = {"Authorization": await access_token(http, servers[0], credentials)}
        categories = await http.get(f"{servers[0]}/helpdesk/categories", headers=bearer)
        [support] = [c["id"] for c in categories.json()["data"] if c["name"] == "Support"]
        series = (
            "/tickets/create",
            {"apikey": credentials["apiKey"]},
            ticket_body(authorUserId=5000),
        )  # agent 0, as a Series member
        helpdesk = (
            "/helpdesk/tickets",
            bearer,
            {
                "title": "Race",
                "message": "m",
                "creator": {"email": "agent0@example.com"},
                "categoryId": support,
            },
        )
        targets = itertools.cycle(servers)
        responses = await asyncio.gather(*(
            http.post(next(targets) + path, headers=headers, json=body)
            for path, headers, body in [series, helpdesk] * 25
        ))  # fmt: skip
    assert Counter(r.status_code for r in responses) == {200: 5, 400: 45}
    refused = [r.json() for r in responses if r.status_code == 400]
    assert {r["error"]["message"] for r in refused if "error" in r} == {
        "You can only have 5 open tickets in this category"
    }
    assert {r["errorCode"] for r in refused if "errorCode" in r} == {101}


async def test_simultaneous_assignments_from_one_view_have_exactly_one_winner(
    database_url: str, servers: list[str]
) -> None:
    credentials, agents = await helpdesk_setup(database_url, 20)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=200)) as http:
        # A token from one process is honoured by the other: they share the signing key.
        http.headers["Authorization"] = await access_token(http, servers[0], credentials)
        body = {"title": "Race", "message": "m", "creator": {"email": "c@example.com"}}
        created = await http.post(f"{servers[1]}/helpdesk/tickets", json=body)
        path = f"/helpdesk/tickets/{created.json()['data']}"

        async def assign_all(candidates: list[str], previous: str | None) -> list[str]:
            """Each candidate takes the ticket at once; returns who succeeded."""
            targets = itertools.cycle(servers)
            responses = await asyncio.gather(
                *(
                    http.patch(
                        next(targets) + path + "/Assignee",
                        json={"assigneeId": agent, "previousAssigneeId": previous},
                    )
                    for agent in candidates
                )
            )
            codes = Counter(r.json()["errorCode"] for r in responses)
            assert codes == {-1: 1, 500: len(candidates) - 1}
            return [a for a, r in zip(candidates, responses, strict=True) if r.status_code == 200]

        [first] = await assign_all(agents, None)
        # The other nineteen saw the first winner and race again: again exactly one wins.
        [second] = await assign_all([a for a in agents if a != first], first)
        ticket = (await http.get(servers[0] + path)).json()["data"]
        log = (await http.post(servers[1] + path + "/log", json={})).json()["data"]
    assert ticket["lockedBy"]["id"] == second
    assigned = [
        e["includedItems"]["users"][0]["id"]
        for e in log
        if e["actionType"] == "ticket_assigned_to_user"
    ]
    assert assigned == [second, first]


async def test_simultaneous_helpdesk_creates_on_two_servers_take_every_number_once(
    database_url: str, servers: list[str]
) -> None:
    """Helpdesk ids are numbers within the workspace, taken from its counter row: 200
    creates at once through two processes get exactly 1 to 200."""
    credentials, _ = await helpdesk_setup(database_url, 0)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=200)) as http:
        form = {"grant_type": "refresh_token", "refresh_token": credentials["refreshToken"],
                "client_id": credentials["clientId"]}  # fmt: skip
        token = await http.post(f"{servers[0]}/helpdesk/token", data=form)
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        targets = itertools.cycle(servers)
        responses = await asyncio.gather(
            *(
                http.post(f"{next(targets)}/helpdesk/tickets", json={
                    "title": f"Race {i}", "message": "m", "creator": {"email": f"c{i}@x.example"}
                })
                for i in range(200)
            )
        )  # fmt: skip

    assert Counter(r.status_code for r in responses) == {200: 200}
    assert sorted(r.json()["data"] for r in responses) == list(range(1, 201))
