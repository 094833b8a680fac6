"""Ticket searches and counts through the core, on real databases, no HTTP."""

import asyncio
import typing

import pytest

from ticketd.db.database import Params, Scope
from ticketd.people import actors
from ticketd.tickets import conversation, labels_repository, queries, repository
from ticketd.tickets import service as tickets
from ticketd.tickets.model import Author, Body, NewTicket, Status, TicketOrder, TicketQuery
from ticketd.workspaces import access

STAFF, AUTHOR = 987654321, 123456789  # the demo configuration's staff member, a player

pytestmark = pytest.mark.anyio


async def test_counts_stop_at_the_querys_limit_and_are_exact_below_it(ws: typing.Any) -> None:
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    made = [
        await tickets.create(db, config, NewTicket(f"T{n}", "support", Body("x"),
                                                   Author(user_id=AUTHOR)), actor=author)
        for n in range(5)
    ]  # fmt: skip
    await tickets.change_status(db, config, made[0].id, actor=staff, status=Status.CLOSED)
    everything = TicketQuery(visible_to=staff, count_total=True)

    assert await queries.count_tickets(db, config, everything) == 5
    capped = TicketQuery(visible_to=staff, count_total=True, count_limit=3)
    assert await queries.count_tickets(db, config, capped) == 3
    assert (await queries.find_tickets(db, config, capped)).total == 3
    assert await queries.counts_by_status(db, config, everything) == {"open": 4, "closed": 1}
    assert await queries.counts_by_status(db, config, capped) == {"open": 3, "closed": 1}
    unclaimed_open = TicketQuery(statuses=(Status.OPEN,), unassigned=True, visible_to=staff)
    assert await queries.count_tickets(db, config, unclaimed_open) == 4


async def test_search_follows_edited_and_deleted_notes(ws: typing.Any) -> None:
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    new = NewTicket("Help", "support", Body("x"), Author(user_id=AUTHOR))
    ticket = await tickets.create(db, config, new, actor=author)
    note = await conversation.add_note(
        db, config, ticket.id, actor=staff, body=Body("the printer is broken again"), mentions=[]
    )

    async def found(text: str) -> list[int]:
        query = TicketQuery(text=text, text_in_messages=True, visible_to=staff)
        return [t.id for t in (await queries.find_tickets(db, config, query)).tickets]

    assert await found("broken") == [ticket.id]
    await conversation.update_note(db, config, ticket.id, note, actor=staff,
                                   body=Body("the printer works now"), files=None,
                                   mentions=None)  # fmt: skip
    assert await found("printer") == [ticket.id]  # the words both texts share stay
    assert await found("works") == [ticket.id] and await found("broken") == []
    await conversation.delete_note(db, config, ticket.id, note, actor=staff)
    assert await found("printer") == []


async def test_a_search_never_matches_across_the_subject_and_the_authors_name(
    ws: typing.Any,
) -> None:
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    new = NewTicket("Stuck in the lobby", "support", Body("x"),
                    Author(user_id=AUTHOR, username="player9"))  # fmt: skip
    await tickets.create(db, config, new, actor=author)
    for text, hits in (("lobby", 1), ("player9", 1), ("lobby player", 0), ("lobby\nplayer", 0)):
        query = TicketQuery(text=text, visible_to=staff, count_total=True)
        assert (await queries.find_tickets(db, config, query)).total == hits, text


class RolledBack(Exception):
    pass


# A workspace holding many tickets (30,000), none about printers: there the b-tree
# indexes on workspace_id (which the search subqueries also filter on, since 0008) help
# less than the trigram indexes. In a small workspace the planner rightly prefers them.
# Rolled back after planning.
_MANY_TICKETS = [
    "INSERT INTO tickets (workspace_id, code, object_id, subject, status, priority,"
    " author_guid, game_report, detailed_source, last_thread_at, created_at, updated_at,"
    " public_token, number) SELECT $1, 'BULK-' || i, lpad(to_hex(i), 24, '0'),"
    " 'Lag in lobby ' || i, 'open', 'medium', 'g', FALSE, 'api_series', i, i, i, 'bulk' || i,"
    " 1000000 + i FROM generate_series(1, 30000) AS i",
    "INSERT INTO messages (workspace_id, ticket_id, key, type, content, created_at, number)"
    " SELECT workspace_id, id, 'bulk', 'author_message', 'cannot join ' || id, 0, number"
    " FROM tickets WHERE workspace_id = $1 AND code LIKE 'BULK-%'",
]


async def test_searches_use_the_search_indexes(ws: typing.Any) -> None:
    """The text filters are written so each engine's planner picks the indexes of
    migration 0007 (on PostgreSQL only an identical expression can use its index, and
    a rare text's tickets are gathered by a statement of their own)."""
    db = ws.services.db
    params = Params()
    plan: list[typing.Any] = []
    with pytest.raises(RolledBack):
        async with db.transaction() as conn:
            scope = Scope(conn, ws.id, db.dialect)
            if db.dialect == "postgresql":
                for statement in _MANY_TICKETS:
                    await conn.execute(statement, ws.id)
                await conn.execute("ANALYZE tickets")
                await conn.execute("ANALYZE messages")
                await conn.execute("SET LOCAL enable_seqscan = off")  # still small tables
                sql = "EXPLAIN " + await repository.pg_tickets_holding(
                    scope, "printer", True, params
                )
                wanted = {"ix_tickets_search", "ix_messages_search"}
            else:
                query = TicketQuery(text="printer", text_in_messages=True)
                clause = await repository.where_clause(scope, query, None, params)
                sql = f"EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE {clause}"
                wanted = {f"SCAN {t}_search VIRTUAL TABLE INDEX 0:M" for t in ("ticket", "message")}
            plan = list(await conn.fetch(sql, *params.values))
            raise RolledBack()
    text = " ".join(str(tuple(row)) for row in plan)
    assert all(name in text for name in wanted), text


async def recount(ws: typing.Any) -> dict[tuple[str, str], int]:
    async with ws.services.db.connection() as conn:
        rows = await conn.fetch(
            "SELECT coalesce(department_key, ''), status, COUNT(*) FROM tickets"
            " WHERE workspace_id = $1 GROUP BY coalesce(department_key, ''), status",
            ws.id,
        )
        kept = await conn.fetch(
            "SELECT department_key, status, SUM(n) FROM ticket_counts WHERE workspace_id = $1"
            " GROUP BY department_key, status",
            ws.id,
        )
    counted = {(r[0], r[1]): int(r[2]) for r in kept if int(r[2])}
    assert counted == {(r[0], r[1]): int(r[2]) for r in rows}
    return counted


async def out_of_department_then_deleted(ws: typing.Any, moved: int, deleted: int) -> None:
    """Changes no service makes, straight in the database: the counters' triggers must
    follow them all the same."""
    async with ws.services.db.transaction() as conn:
        await conn.execute(
            "UPDATE tickets SET department_key = NULL WHERE workspace_id = $1 AND id = $2",
            ws.id, moved,
        )  # fmt: skip
        await conn.execute(
            "DELETE FROM tickets WHERE workspace_id = $1 AND id = $2", ws.id, deleted
        )


async def test_ticket_counts_follow_every_change_and_answer_totals(ws: typing.Any) -> None:
    """ticket_counts (migration 0009's triggers) against a recount, after creates,
    status changes, a department change and a deletion; totals come from it."""
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    made = [
        await tickets.create(db, config, NewTicket(f"T{n}", category, Body("x"),
                                                   Author(user_id=AUTHOR + n)), actor=author)
        for n, category in enumerate(["support"] * 4 + ["reports"] * 3)
    ]  # fmt: skip
    assert await recount(ws) == {("support-dept", "open"): 4, ("moderation-dept", "open"): 3}
    await tickets.change_status(db, config, made[0].id, actor=staff, status=Status.CLOSED)
    await tickets.change_status(db, config, made[4].id, actor=staff, status=Status.RESOLVED)
    await out_of_department_then_deleted(ws, made[1].id, made[2].id)
    assert await recount(ws) == {
        ("support-dept", "open"): 1, ("support-dept", "closed"): 1, ("", "open"): 1,
        ("moderation-dept", "open"): 2, ("moderation-dept", "resolved"): 1,
    }  # fmt: skip

    def total(**filters: typing.Any) -> typing.Awaitable[int]:
        return queries.count_tickets(db, config, TicketQuery(count_total=True, **filters))

    assert await total() == 6
    assert await total(statuses=(Status.OPEN,)) == 4
    assert await total(department="moderation-dept") == 3
    assert await total(visible_to=staff, statuses=(Status.OPEN, Status.CLOSED)) == 5
    assert await total(author_user_id=AUTHOR) == 1  # not countable: counted row by row
    assert await queries.counts_by_status(db, config, TicketQuery(department="support-dept")) == {
        "open": 1, "closed": 1,
    }  # fmt: skip


@pytest.mark.parametrize("order", [TicketOrder.NEWEST_FIRST, TicketOrder.LATEST_ACTIVITY_FIRST])
@pytest.mark.parametrize("counted", [True, False])
async def test_pages_read_from_the_far_end_are_the_pages_in_order(
    ws: typing.Any, order: TicketOrder, counted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages in the back half of a list of known length (counted for the answer, or
    deep enough to look it up in ticket_counts) are read backwards; every page must
    still be the same slice of the whole list."""
    monkeypatch.setattr(repository, "_DEEP_OFFSET", 5)
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author = actors.member(config, AUTHOR)
    for n in range(23):
        new = NewTicket(f"Page {n}", "support", Body("x"), Author(user_id=AUTHOR + n))
        await tickets.create(db, config, new, actor=author)
    everything = await queries.find_tickets(db, config, TicketQuery(order=order, limit=100))
    whole = [t.id for t in everything.tickets]
    pages = []
    for offset in range(0, 25, 5):
        query = TicketQuery(order=order, offset=offset, limit=5, count_total=counted)
        found = await queries.find_tickets(db, config, query)
        assert found.total == (23 if counted else None)
        pages += [t.id for t in found.tickets]
    assert pages == whole and len(whole) == 23


async def test_text_searches_page_and_count_the_same_from_either_index(ws: typing.Any) -> None:
    """SQLite reads a ticket-text search from the FTS table in id order; the pages and
    bounded counts must be exactly those of the plain search."""
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author = actors.member(config, AUTHOR)
    subjects = [f"{'Refund' if n % 3 else 'Other'} request {n}" for n in range(14)]
    for n, subject in enumerate(subjects):
        new = NewTicket(subject, "support", Body("x"), Author(user_id=AUTHOR + n))
        await tickets.create(db, config, new, actor=author)
    matching = [s for s in reversed(subjects) if "refund" in s.lower()]

    for offset in (0, 4, 8):
        query = TicketQuery(text="REFUND", order=TicketOrder.NEWEST_FIRST, offset=offset,
                            limit=4, count_total=True, count_limit=5)  # fmt: skip
        found = await queries.find_tickets(db, config, query)
        assert [t.subject for t in found.tickets] == matching[offset : offset + 4]
        assert found.total == 5
    oldest = TicketQuery(text="fund req", order=TicketOrder.OLDEST_FIRST, limit=3)
    found = await queries.find_tickets(db, config, oldest)
    assert [t.subject for t in found.tickets] == list(reversed(matching))[:3]


async def recount_tags(ws: typing.Any) -> dict[tuple[str, str, str], int]:
    """tag_counts (migration 0014's triggers) against a recount from ticket_tags."""
    async with ws.services.db.connection() as conn:
        rows = await conn.fetch(
            "SELECT g.name_key, coalesce(t.department_key, ''), t.status, COUNT(*)"
            " FROM ticket_tags tt JOIN tickets t ON t.id = tt.ticket_id"
            " JOIN tags g ON g.id = tt.tag_id WHERE tt.workspace_id = $1"
            " GROUP BY g.name_key, coalesce(t.department_key, ''), t.status",
            ws.id,
        )
        kept = await conn.fetch(
            "SELECT g.name_key, c.department_key, c.status, SUM(c.n) FROM tag_counts c"
            " JOIN tags g ON g.id = c.tag_id WHERE c.workspace_id = $1"
            " GROUP BY g.name_key, c.department_key, c.status",
            ws.id,
        )
    counted = {(r[0], r[1], r[2]): int(r[3]) for r in kept if int(r[3])}
    assert counted == {(r[0], r[1], r[2]): int(r[3]) for r in rows}
    return counted


async def test_tag_counts_follow_every_change_and_answer_tag_totals(
    ws: typing.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tagging, untagging, status and department changes and a deletion, each checked
    against a recount; a tag's totals and counts per status come from tag_counts, and a
    page is the same whether tagged tickets are gathered first or tested one by one."""
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    made = [
        await tickets.create(db, config, NewTicket(f"T{n}", "support", Body("x"),
                                                   Author(user_id=AUTHOR + n)), actor=author)
        for n in range(6)
    ]  # fmt: skip

    async def tag(ticket_id: int, *names: str) -> None:
        async with db.transaction() as conn:
            scope = Scope(conn, ws.id, db.dialect)
            await labels_repository.detach_all_tags(scope, ticket_id)
            await labels_repository.attach_tags(scope, ticket_id, names)

    for ticket in made[:4]:
        await tag(ticket.id, "Bug", "vip")
    await tag(made[4].id, "bug")
    await tag(made[3].id, "vip")  # untagged "bug"
    await tickets.change_status(db, config, made[0].id, actor=staff, status=Status.CLOSED)
    await out_of_department_then_deleted(ws, made[1].id, made[2].id)
    assert await recount_tags(ws) == {
        ("bug", "support-dept", "closed"): 1, ("bug", "", "open"): 1,
        ("bug", "support-dept", "open"): 1,
        ("vip", "support-dept", "closed"): 1, ("vip", "", "open"): 1,
        ("vip", "support-dept", "open"): 1,
    }  # fmt: skip

    def total(**filters: typing.Any) -> typing.Awaitable[int]:
        return queries.count_tickets(db, config, TicketQuery(count_total=True, **filters))

    assert await total(tag="BUG") == 3
    assert await total(tag="bug", statuses=(Status.OPEN,)) == 2
    assert await total(tag="bug", department="support-dept") == 2
    assert await total(tag="nothing") == 0
    assert await queries.counts_by_status(db, config, TicketQuery(tag="vip")) == {
        "open": 2, "closed": 1,
    }  # fmt: skip

    async def page_ids() -> list[int]:
        found = await queries.find_tickets(db, config, TicketQuery(tag="bug", limit=10))
        return [t.id for t in found.tickets]

    listed = await page_ids()
    monkeypatch.setattr(repository, "_listed_by_tag", lambda _: False)
    gathered = await page_ids()
    monkeypatch.setattr(repository, "ONE_BY_ONE_FROM", 1)
    assert await page_ids() == gathered == listed == [made[4].id, made[1].id, made[0].id]


async def test_a_tags_list_follows_each_tickets_activity_in_every_order(
    ws: typing.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tag's tickets are listed from ticket_tags, which carries each ticket's latest
    activity (migration 0018's trigger): a reply and a change made straight in the
    database move the ticket there too. Every order and page, with and without a
    filter by status (one ticket closed), gives what testing the tickets themselves for
    the tag gives."""
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    made = []
    for n in range(7):
        new = NewTicket(f"T{n}", "support", Body("x"), Author(user_id=AUTHOR + n),
                        tags=("vip",) if n % 3 else ())  # fmt: skip
        made.append(await tickets.create(db, config, new, actor=author))
    await asyncio.sleep(0.005)  # the reply's time after every create's, not tied with one
    await tickets.claim(db, config, made[1].id, actor=staff)
    await conversation.reply(db, config, made[1].id, actor=staff, body=Body("on it"))
    await tickets.change_status(db, config, made[4].id, actor=staff, status=Status.CLOSED)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE tickets SET last_thread_at = 1 WHERE workspace_id = $1 AND id = $2",
            ws.id, made[2].id,
        )  # fmt: skip
        kept = await conn.fetch(
            "SELECT tt.ticket_id FROM ticket_tags tt JOIN tickets t USING (workspace_id)"
            " WHERE t.id = tt.ticket_id AND tt.ticket_thread_at <> t.last_thread_at"
        )
    assert kept == []

    async def pages(**filters: typing.Any) -> list[list[int]]:
        found = []
        for order in TicketOrder:
            for offset in (0, 2):
                query = TicketQuery(tag="VIP", order=order, offset=offset, limit=2, **filters)
                page = await queries.find_tickets(db, config, query)
                found.append([t.id for t in page.tickets])
        return found

    not_closed = tuple(s for s in Status if s is not Status.CLOSED)
    listed = [await pages(), await pages(statuses=not_closed)]
    monkeypatch.setattr(repository, "_listed_by_tag", lambda _: False)
    assert [await pages(), await pages(statuses=not_closed)] == listed
    vip = [made[n].id for n in (1, 2, 4, 5)]
    by_activity = [made[1].id, made[5].id, made[4].id, made[2].id]  # replied, then created
    assert listed[0][:2] == [by_activity[:2], by_activity[2:]]
    assert listed[0][4:6] == [vip[::-1][:2], vip[::-1][2:]]  # newest first
    assert listed[1][:2] == [[made[1].id, made[5].id], [made[2].id]]  # the closed one left out


async def test_a_tags_page_is_read_from_its_ticket_tags_rows_in_order(ws: typing.Any) -> None:
    """The page statement of a tag's list walks ix_ticket_tags_thread (latest activity)
    or ix_ticket_tags_tag (newest) in order, as migration 0018 made them for."""
    db = ws.services.db
    plans = {}
    async with db.connection() as conn:
        scope = Scope(conn, ws.id, db.dialect)
        if db.dialect == "postgresql":  # small tables: a sort would be cheaper here
            await conn.execute("SET enable_seqscan = off")
            await conn.execute("SET enable_sort = off")
        for order in (TicketOrder.LATEST_ACTIVITY_FIRST, TicketOrder.NEWEST_FIRST):
            query, params = TicketQuery(tag="vip", order=order), Params()
            source, clause = await repository._source(scope, query, None, params)
            by = repository._order(scope, query)
            explain = "EXPLAIN QUERY PLAN" if db.dialect == "sqlite" else "EXPLAIN"
            sql = f"{explain} SELECT id FROM {source} WHERE {clause} ORDER BY {by} LIMIT 25"
            rows = await conn.fetch(sql, *params.values)
            plans[order] = " ".join(str(tuple(r)) for r in rows)
        if db.dialect == "postgresql":
            await conn.execute("RESET ALL")
    assert "ix_ticket_tags_thread" in plans[TicketOrder.LATEST_ACTIVITY_FIRST]
    assert "ix_ticket_tags_tag" in plans[TicketOrder.NEWEST_FIRST]
    assert all("TEMP B-TREE" not in p and "Sort" not in p for p in plans.values()), plans


async def test_a_text_finds_the_same_tickets_through_the_indexes_and_one_by_one(
    ws: typing.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rare text's tickets come from the search indexes (on PostgreSQL gathered into
    an array first); a common one is tested ticket by ticket. Both find the same
    tickets in the same order, with the same counts, messages and drafts included."""
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    made = []
    for subject, text in [("Refund please", "x"), ("Lag", "x"), ("Crash", "I want a REFUND"),
                          ("Where is my refund?", "x"), ("Draft", "x")]:  # fmt: skip
        new = NewTicket(subject, "support", Body(text), Author(user_id=AUTHOR))
        made.append(await tickets.create(db, config, new, actor=author))
    await tickets.change_status(db, config, made[3].id, actor=staff, status=Status.CLOSED)
    await tickets.claim(db, config, made[4].id, actor=staff)
    await conversation.reply(db, config, made[4].id, actor=staff, body=Body("refund soon"),
                             is_draft=True)  # fmt: skip
    query = TicketQuery(text="Refund", text_in_messages=True, count_total=True, visible_to=staff)

    async def answers() -> tuple[list[int], int | None, dict[str, int], str]:
        page = await queries.find_tickets(db, config, query)
        async with db.connection() as conn:
            scope = Scope(conn, ws.id, db.dialect)
            clause = await repository.where_clause(scope, query, None, Params())
        counts = await queries.counts_by_status(db, config, query)
        return [t.id for t in page.tickets], page.total, counts, clause

    monkeypatch.setattr(repository, "_one_by_one", lambda *_: False)  # none is common
    *indexed, index_clause = await answers()
    monkeypatch.setattr(repository, "_one_by_one", lambda *_: True)  # every text is common
    *one_by_one, tested_clause = await answers()
    assert (
        indexed == one_by_one == [[made[3].id, made[2].id, made[0].id], 3, {"open": 2, "closed": 1}]
    )
    assert "EXISTS" in tested_clause and "EXISTS" not in index_clause
    if db.dialect == "postgresql":
        assert "= ANY(" in index_clause and "ANY" not in tested_clause
