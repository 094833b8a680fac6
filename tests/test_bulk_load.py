"""bench/load.py: a bulk-loaded database is one ticketd itself could have written. The
APIs find the tickets, searches find exactly the marked ones, counters and derived
columns agree with a recount, the search indexes hold what the app's triggers would
have put there, and tickets created afterwards get fresh ids."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bench.load import LoadResult, load
from bench.load_text import RARE_TICKETS
from bench.load_workspace import STAFF_IDS
from tests.support.helpdesk import access_token
from tests.support.series import ticket_body
from tests.support.workspaces import settings_for
from ticketd.app import Services, build_services, create_app
from ticketd.db.database import Connection
from ticketd.helpdesk import auth
from ticketd.people.actors import staff_member
from ticketd.staff.queue import COUNT_LIMIT, Filters
from ticketd.tickets import queries
from ticketd.workspaces.access import get_config

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
COUNT = 2_000


async def schema_objects(services: Services) -> list[tuple[Any, ...]]:
    """Indexes and triggers with their definitions: the load must leave them as it found them."""
    async with services.db.connection() as conn:
        if services.db.dialect == "sqlite":
            rows = await conn.fetch(
                "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
                " ORDER BY name"
            )
        else:
            rows = await conn.fetch(
                "SELECT tablename, indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = 'public' ORDER BY indexname"
            )
    return [tuple(r) for r in rows]


@pytest.fixture
async def loaded(own_database_url: str) -> AsyncIterator[tuple[Services, LoadResult, list]]:
    services = build_services(settings_for(own_database_url))
    await services.db.connect()
    before = await schema_objects(services)
    result = await load(own_database_url, count=COUNT, seed=7, batch=700)
    yield services, result, before
    await services.db.close()


@pytest.fixture
async def series(loaded: tuple[Services, LoadResult, list]) -> AsyncIterator[httpx.AsyncClient]:
    services, result, _ = loaded
    transport = httpx.ASGITransport(app=create_app(services=services))
    async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as client:
        client.headers["apikey"] = result.api_key or ""
        yield client


async def scalar(services: Services, sql: str, *args: Any) -> Any:
    async with services.db.connection() as conn:
        return await conn.fetchval(sql, *args)


async def test_loaded_tickets_are_served_by_the_series_api(
    loaded: tuple[Services, LoadResult, list], series: httpx.AsyncClient
) -> None:
    services, result, before = loaded
    assert (result.tickets, result.rare_word) == (COUNT, "chargeback")
    assert 3 * COUNT < result.messages < 8 * COUNT and result.events > 3 * COUNT
    assert await schema_objects(services) == before
    listed = (await series.get("/tickets/list")).json()["data"]
    assert listed["Pagination"]["TotalCount"] == COUNT
    code = listed["Tickets"][0]["TicketId"]
    ticket = (await series.get(f"/tickets/get/{code}")).json()["data"]["Ticket"]
    published = await scalar(
        services,
        "SELECT COUNT(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.code = $1"
        " AND m.type <> 'internal_note' AND NOT m.is_draft",
        code,
    )
    assert len(ticket["Content"]) == published >= 1


async def test_searches_find_exactly_the_marked_tickets(
    loaded: tuple[Services, LoadResult, list], series: httpx.AsyncClient
) -> None:
    services, result, _ = loaded
    assert len(result.rare_ticket_ids) == RARE_TICKETS  # at every size
    rare = (await series.get("/tickets/list", params={"search": "ChargeBack"})).json()["data"]
    codes = [t["TicketId"] for t in rare["Tickets"]]
    newest = sorted(result.rare_ticket_ids, reverse=True)[:10]  # the first page
    expected = [
        await scalar(services, "SELECT code FROM tickets WHERE id = $1", ticket_id)
        for ticket_id in newest
    ]
    assert codes == expected
    assert rare["Pagination"]["TotalCount"] == RARE_TICKETS
    common = (await series.get("/tickets/list", params={"search": "refund"})).json()["data"]
    assert common["Pagination"]["TotalCount"] == result.common_tickets
    assert 0.2 * COUNT < result.common_tickets < 0.3 * COUNT
    # The staff queue also searches messages (through the message search index).
    config = await get_config(services.db, services.cache, result.workspace_id)
    admin = staff_member(config, STAFF_IDS[0])  # a teammate: sees every department
    query = Filters(status="all", text="chargeback").query(admin)
    found = await queries.find_tickets(services.db, config, query)
    assert sorted(t.id for t in found.tickets) == sorted(result.rare_ticket_ids)


async def test_helpdesk_and_staff_queue_see_the_tickets(
    loaded: tuple[Services, LoadResult, list], series: httpx.AsyncClient
) -> None:
    services, result, _ = loaded
    created = await auth.create_client(services.db, workspace_id=result.workspace_id, name="t")
    token = await access_token(series, created.refresh_token, created.client_id)
    headers = {"Authorization": f"Bearer {token}"}
    page = await series.post("/helpdesk/tickets/list", json={"take": 50}, headers=headers)
    assert page.status_code == 200, page.text
    assert len(page.json()["data"]) == 50
    # The loaded tickets are numbered 1 to COUNT: the next one the API makes is COUNT + 1.
    new = {"title": "t", "message": "m", "creator": {"email": "after-load@example.com"}}
    made = await series.post("/helpdesk/tickets", json=new, headers=headers)
    assert made.json()["data"] == COUNT + 1, made.text
    config = await get_config(services.db, services.cache, result.workspace_id)
    staff = staff_member(config, STAFF_IDS[10])  # Quality Assurance staff only
    assert staff.departments == ("qa-dept",)
    counts = await queries.counts_by_status(services.db, config, Filters(status="all").query(staff))
    async with services.db.connection() as conn:
        rows = await conn.fetch(
            "SELECT status, COUNT(*) FROM tickets WHERE workspace_id = $1 AND (department_key"
            " IS NULL OR department_key = 'qa-dept') GROUP BY status",
            result.workspace_id,
        )
    assert counts == {r[0]: min(int(r[1]), COUNT_LIMIT) for r in rows}
    assert counts.get("open") and counts.get("in-progress") and counts.get("resolved")


async def test_counters_and_derived_columns_agree_with_a_recount(
    loaded: tuple[Services, LoadResult, list],
) -> None:
    services, result, _ = loaded
    async with services.db.connection() as conn:
        await check_open_ticket_counts(conn, result.workspace_id)
        for sql in DERIVED_COLUMNS_WRONG:
            assert await conn.fetchval(sql, result.workspace_id) == 0, sql
        assert await conn.fetchval("SELECT COUNT(*) FROM events WHERE fanned_out_at IS NULL") == 0
        if services.db.dialect == "sqlite":
            await check_search_tables(conn)


async def check_open_ticket_counts(conn: Connection, workspace_id: str) -> None:
    stored = await conn.fetch(
        "SELECT category_key, author_guid, open_count FROM open_ticket_counts"
        " WHERE workspace_id = $1 ORDER BY 1, 2",
        workspace_id,
    )
    recount = await conn.fetch(
        "SELECT t.category_key, t.author_guid, COUNT(*) FROM tickets t JOIN categories c"
        " ON c.workspace_id = t.workspace_id AND c.key = t.category_key WHERE"
        " t.workspace_id = $1 AND c.max_open_tickets IS NOT NULL AND c.max_open_tickets > 0"
        " AND t.status IN ('open', 'in-progress') GROUP BY 1, 2 ORDER BY 1, 2",
        workspace_id,
    )
    assert [tuple(r) for r in stored] == [tuple(r) for r in recount] and stored
    over = await conn.fetchval(
        "SELECT COUNT(*) FROM open_ticket_counts o JOIN categories c ON c.workspace_id ="
        " o.workspace_id AND c.key = o.category_key WHERE o.open_count > c.max_open_tickets"
    )
    assert over == 0


PUBLISHED = (
    "m.ticket_id = t.id AND NOT m.is_draft AND m.type IN ('author_message', 'staff_message')"
)
# Each counts the tickets of workspace $1 whose column disagrees with their messages.
DERIVED_COLUMNS_WRONG = [
    f"SELECT COUNT(*) FROM tickets t WHERE workspace_id = $1 AND reply_count <>"
    f" (SELECT COUNT(*) - 1 FROM messages m WHERE {PUBLISHED})",
    "SELECT COUNT(*) FROM tickets t WHERE workspace_id = $1 AND last_thread_at <>"
    " (SELECT MAX(created_at) FROM messages m WHERE m.ticket_id = t.id AND NOT m.is_draft"
    " AND m.type <> 'system_message')",
    "SELECT COUNT(*) FROM tickets t WHERE workspace_id = $1 AND first_response_at IS DISTINCT"
    " FROM (SELECT MIN(created_at) FROM messages m WHERE m.ticket_id = t.id AND NOT"
    " m.is_draft AND m.type = 'staff_message')",
    "SELECT COUNT(*) FROM tickets t WHERE workspace_id = $1 AND has_draft <> EXISTS"
    " (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.is_draft)",
    "SELECT COUNT(*) FROM tickets t WHERE workspace_id = $1 AND ((status IN ('open',"
    " 'in-progress')) = (closed_at IS NOT NULL) OR (status IN ('resolved', 'closed') AND"
    " first_resolved_at IS NULL) OR updated_at < last_thread_at OR first_resolved_at > closed_at)",
    "SELECT COUNT(*) FROM tickets t WHERE workspace_id = $1 AND updated_at <> (SELECT"
    " MAX(created_at) FROM events e WHERE e.ticket_id = t.id)",
]


async def check_search_tables(conn: Connection) -> None:
    """The FTS tables hold what migration 0007's triggers would have written."""
    await conn.execute("INSERT INTO message_search (message_search) VALUES ('integrity-check')")
    await conn.execute("INSERT INTO ticket_search (ticket_search) VALUES ('integrity-check')")
    # One document per published message, none for drafts (the trigger's WHEN).
    published = await conn.fetchval("SELECT COUNT(*) FROM messages WHERE NOT is_draft")
    indexed = await conn.fetchval(
        "SELECT COUNT(*) FROM message_search_docsize d JOIN messages m ON m.id = d.id"
        " WHERE NOT m.is_draft"
    )
    assert (
        indexed == published == await conn.fetchval("SELECT COUNT(*) FROM message_search_docsize")
    )
    differing = await conn.fetchval(
        "SELECT COUNT(*) FROM tickets t LEFT JOIN ticket_search s ON s.rowid = t.id WHERE"
        " s.text IS NOT t.subject || char(10) || coalesce(t.author_username, '') || char(10)"
        " || coalesce(t.author_display_name, '')"
    )
    assert differing == 0


async def test_tickets_created_after_the_load_get_fresh_ids(
    loaded: tuple[Services, LoadResult, list], series: httpx.AsyncClient
) -> None:
    services, result, _ = loaded
    highest = await scalar(services, "SELECT MAX(id) FROM tickets")
    body = ticket_body(authorUserId=424242, subject="After the load: chargeback")
    created = await series.post("/tickets/create", json=body)
    assert created.status_code == 200, created.text
    code = created.json()["data"]["TicketId"]
    new_id = await scalar(services, "SELECT id FROM tickets WHERE code = $1", code)
    assert new_id == highest + 1
    found = (await series.get("/tickets/list", params={"search": "chargeback"})).json()["data"]
    assert found["Pagination"]["TotalCount"] == RARE_TICKETS + 1
    reply = await series.post(
        f"/tickets/{code}/reply-member", json={"authorUserId": 424242, "content": "More detail"}
    )
    assert reply.status_code == 200, reply.text
