"""Ticket storage. Every statement starts from the caller's workspace."""

import re
from typing import Any

from ticketd.db.database import Connection, Row, insert_sql, placeholders, update_by_id

TICKET_COLUMNS = (
    "id, code, object_id, workspace_id, subject, category_key, department_key, status,"
    " priority, author_guid, author_user_id, author_username, author_display_name,"
    " author_avatar_url, assignee_guid, claimed_by, claimed_at, game_report, place_id,"
    " server_id, sentiment, detailed_source, source_name, cc, reply_count, has_draft,"
    " last_thread_at, created_at, updated_at, closed_at, first_response_at"
)
# What the Series Get shows: fewer columns make the one-row-per-message join cheaper.
_SERIES_GET_COLUMNS = (
    "t.id, t.code, t.object_id, t.workspace_id, t.subject, t.category_key, t.department_key,"
    " t.status, t.priority, t.author_user_id, t.author_username, t.author_display_name,"
    " t.author_avatar_url, t.assignee_guid, t.claimed_by, t.game_report, t.place_id,"
    " t.server_id, t.created_at, t.updated_at"
)
_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def _ref_column(ref: str | int) -> str | None:
    if isinstance(ref, int):
        return "id"
    if ref.startswith("TICKET-"):
        return "code"
    if _OBJECT_ID.match(ref):
        return "object_id"
    return None


async def find_ticket(
    conn: Connection,
    workspace_id: str,
    ref: str | int,
    *,
    for_update: bool = False,
    dialect: str = "",
) -> Row | None:
    """By `TicketId`, `_id` or integer id; other shapes cannot name a ticket."""
    column = _ref_column(ref)
    if column is None:
        return None
    lock = " FOR UPDATE" if for_update and dialect == "postgresql" else ""
    return await conn.fetchrow(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE workspace_id = $1 AND {column} = $2{lock}",
        workspace_id,
        ref,
    )


async def find_ticket_with_messages(
    conn: Connection, workspace_id: str, ref: str
) -> tuple[Row | None, list[Row]]:
    """The ticket and its published messages (no notes, no drafts) in time order, in
    one query: each row carries the ticket's columns and one message's `message_*`
    columns."""
    column = _ref_column(ref)
    if column is None:
        return None, []
    rows = await conn.fetch(
        f"SELECT {_SERIES_GET_COLUMNS}, m.key AS message_key, m.type AS message_type,"
        " m.author_user_id AS message_author, m.content AS message_content,"
        " m.created_at AS message_created_at"
        " FROM tickets t LEFT JOIN messages m ON m.ticket_id = t.id"
        " AND m.type <> 'internal_note' AND m.is_draft = FALSE"
        f" WHERE t.workspace_id = $1 AND t.{column} = $2 ORDER BY m.created_at, m.id",
        workspace_id,
        ref,
    )
    if not rows:
        return None, []
    return rows[0], [r for r in rows if r["message_key"] is not None]


async def take_open_slot(
    conn: Connection, workspace_id: str, category_key: str, author_guid: str, limit: int | None
) -> bool:
    """Counts one more open ticket for the author in a limited category, unless that
    would pass `limit` (None: count, but never refuse). One conditional upsert: the
    row lock makes concurrent creates queue."""
    row = await conn.fetchrow(
        "INSERT INTO open_ticket_counts (workspace_id, category_key, author_guid, open_count)"
        " VALUES ($1, $2, $3, 1) ON CONFLICT (workspace_id, category_key, author_guid)"
        " DO UPDATE SET open_count = open_ticket_counts.open_count + 1"
        " WHERE $4 < 0 OR open_ticket_counts.open_count < $4 RETURNING open_count",
        workspace_id,
        category_key,
        author_guid,
        -1 if limit is None else limit,
    )
    return row is not None


async def release_open_slot(
    conn: Connection, workspace_id: str, category_key: str, author_guid: str
) -> None:
    await conn.execute(
        "UPDATE open_ticket_counts SET open_count = open_count - 1 WHERE workspace_id = $1"
        " AND category_key = $2 AND author_guid = $3 AND open_count > 0",
        workspace_id,
        category_key,
        author_guid,
    )


_MESSAGE_COLUMNS = (
    "key",
    "type",
    "author_user_id",
    "author_guid",
    "content",
    "html",
    "attachments",
    "created_at",
)
_MESSAGE_TYPES = ("text", "text", "bigint", "text", "text", "text", "text", "bigint")
_EVENT_COLUMNS = ("actor_user_id", "actor_guid", "actor_name", "type", "detail", "created_at")
_EVENT_TYPES = ("bigint", "text", "text", "text", "text", "bigint")


async def insert_new_ticket(
    conn: Connection,
    dialect: str,
    ticket: dict[str, Any],
    message: dict[str, Any],
    event: dict[str, Any],
) -> int | None:
    """Inserts a ticket with its first message and its creation event. Returns the new
    row id, or None when `code` or `object_id` collided (nothing is then written).

    On PostgreSQL this is one statement, so it is atomic without BEGIN/COMMIT round
    trips; on SQLite, where statements cost no round trip, it is three."""
    columns, args = ", ".join(ticket), list(ticket.values())
    params = placeholders(len(args))
    insert_ticket = (
        f"INSERT INTO tickets ({columns}) VALUES ({params}) ON CONFLICT DO NOTHING RETURNING id"
    )
    if dialect != "postgresql":
        ticket_id = await conn.fetchval(insert_ticket, *args)
        if ticket_id is not None:
            await insert_message(conn, ticket_id=ticket_id, **message)
            await insert_event(
                conn, workspace_id=ticket["workspace_id"], ticket_id=ticket_id, **event
            )
        return ticket_id

    def casts(values: dict[str, Any], types: tuple[str, ...]) -> str:
        start = len(args) + 1
        args.extend(values.values())
        return ", ".join(f"${start + i}::{t}" for i, t in enumerate(types))

    message_values = casts({c: message[c] for c in _MESSAGE_COLUMNS}, _MESSAGE_TYPES)
    event_values = casts({c: event[c] for c in _EVENT_COLUMNS}, _EVENT_TYPES)
    return await conn.fetchval(
        f"WITH t AS ({insert_ticket}),"
        f" m AS (INSERT INTO messages (ticket_id, {', '.join(_MESSAGE_COLUMNS)})"
        f" SELECT id, {message_values} FROM t),"
        f" e AS (INSERT INTO events (workspace_id, ticket_id, {', '.join(_EVENT_COLUMNS)})"
        f" SELECT $1, id, {event_values} FROM t)"
        " SELECT id FROM t",
        *args,
    )


async def insert_message(conn: Connection, *, ticket_id: int, **values: Any) -> int:
    sql = insert_sql("messages", ["ticket_id", *values], returning="id")
    return await conn.fetchval(sql, ticket_id, *values.values())


async def update_ticket(conn: Connection, ticket_id: int, **values: Any) -> int:
    return await update_by_id(conn, "tickets", ticket_id, values)


async def claim(
    conn: Connection, ticket_id: int, staff_guid: str, staff_user_id: int, now: int
) -> bool:
    """The conditional update that lets exactly one of many simultaneous claimers win."""
    changed = await conn.execute(
        "UPDATE tickets SET assignee_guid = $2, claimed_by = $3, claimed_at = $4,"
        " updated_at = $4, status = 'in-progress' WHERE id = $1 AND assignee_guid IS NULL"
        " AND status IN ('open', 'in-progress')",
        ticket_id,
        staff_guid,
        staff_user_id,
        now,
    )
    return changed == 1


async def reassign(
    conn: Connection, ticket_id: int, previous_guid: str | None, assignee: Any, now: int
) -> bool:
    """Sets (or with None clears) the assignee only if it is still `previous_guid`."""
    changed = await conn.execute(
        "UPDATE tickets SET assignee_guid = $3, claimed_by = $4, claimed_at = $5,"
        " updated_at = $6 WHERE id = $1 AND (assignee_guid = $2"
        " OR (assignee_guid IS NULL AND CAST($2 AS TEXT) IS NULL))",
        ticket_id,
        previous_guid,
        assignee.guid if assignee else None,
        assignee.user_id if assignee else None,
        now if assignee else None,
        now,
    )
    return changed == 1


async def insert_event(
    conn: Connection, *, workspace_id: str, ticket_id: int, **values: Any
) -> None:
    sql = insert_sql("events", ["workspace_id", "ticket_id", *values])
    await conn.execute(sql, workspace_id, ticket_id, *values.values())


Filter = tuple[str, tuple[Any, ...]]


def _where(workspace_id: str, filters: list[Filter]) -> tuple[str, list[Any]]:
    """`filters` are (SQL condition with one `?` per value, values) pairs."""
    where, args = ["workspace_id = $1"], [workspace_id]
    for condition, values in filters:
        for value in values:
            args.append(value)
            condition = condition.replace("?", f"${len(args)}", 1)
        where.append(condition)
    return " AND ".join(where), args


async def search_tickets(
    conn: Connection, workspace_id: str, *, filters: list[Filter], limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page, newest first, and the total count."""
    clause, args = _where(workspace_id, filters)
    total = await conn.fetchval(f"SELECT COUNT(*) FROM tickets WHERE {clause}", *args)
    rows = await conn.fetch(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE {clause} ORDER BY id DESC"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return rows, total


ORDERS = {
    "last_thread_activity_desc": "last_thread_at DESC, id DESC",
    "last_thread_activity_asc": "last_thread_at, id",
    "creation_time_desc": "id DESC",
    "creation_time_asc": "id",
}


async def list_tickets(
    conn: Connection,
    workspace_id: str,
    *,
    filters: list[Filter],
    order: str,
    limit: int,
    offset: int,
) -> list[Row]:
    clause, args = _where(workspace_id, filters)
    return await conn.fetch(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE {clause} ORDER BY {ORDERS[order]}"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )


async def list_events(
    conn: Connection, ticket_id: int, types: tuple[str, ...], *, skip: int, take: int
) -> list[Row]:
    """The ticket's audit trail, newest first. `types` are known constants, never input."""
    only = f" AND type IN ({', '.join(repr(t) for t in types)})" if types else ""
    return await conn.fetch(
        "SELECT id, actor_user_id, actor_guid, actor_name, type, detail, created_at"
        f" FROM events WHERE ticket_id = $1{only} ORDER BY id DESC"
        f" LIMIT {int(take)} OFFSET {int(skip)}",
        ticket_id,
    )


MESSAGE_COLUMNS = (
    "id, ticket_id, key, type, author_user_id, author_guid, content, html, attachments,"
    " mentions, parent_id, level, is_draft, created_at, updated_at"
)


async def find_message(conn: Connection, ticket_id: int, message_id: int) -> Row | None:
    return await conn.fetchrow(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE ticket_id = $1 AND id = $2",
        ticket_id,
        message_id,
    )


async def update_message(conn: Connection, message_id: int, **values: Any) -> None:
    await update_by_id(conn, "messages", message_id, values)


async def delete_message(conn: Connection, message_id: int) -> None:
    await conn.execute("DELETE FROM messages WHERE id = $1", message_id)


async def list_messages(
    conn: Connection, ticket_id: int, types: tuple[str, ...], *, skip: int, take: int
) -> list[Row]:
    """Messages of the given types, oldest first, without the ticket's opening message."""
    names = ", ".join(f"'{t}'" for t in types)
    return await conn.fetch(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE ticket_id = $1 AND type IN ({names})"
        " AND id > (SELECT MIN(id) FROM messages WHERE ticket_id = $1)"
        f" ORDER BY created_at, id LIMIT {int(take)} OFFSET {int(skip)}",
        ticket_id,
    )


async def opening_messages(conn: Connection, ticket_ids: list[int]) -> dict[int, Row]:
    """The first message of each ticket: its text, HTML and attachments."""
    if not ticket_ids:
        return {}
    params = placeholders(len(ticket_ids))
    rows = await conn.fetch(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN (SELECT MIN(id) FROM messages"
        f" WHERE ticket_id IN ({params}) GROUP BY ticket_id)",
        *ticket_ids,
    )
    return {r["ticket_id"]: r for r in rows}
