"""Ticket storage. Every statement starts from the caller's workspace."""

import re
from typing import Any

from ticketd.db.database import Connection, Row

TICKET_COLUMNS = (
    "id, code, object_id, workspace_id, subject, category_key, department_key, status,"
    " priority, author_user_id, author_username, author_display_name, author_avatar_url,"
    " claimed_by, claimed_at, game_report, place_id, server_id, created_at, updated_at,"
    " closed_at, first_response_at"
)
_PREFIXED_TICKET_COLUMNS = ", ".join(f"t.{c.strip()}" for c in TICKET_COLUMNS.split(","))
_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def _ref_column(ref: str) -> str | None:
    if ref.startswith("TICKET-"):
        return "code"
    if _OBJECT_ID.match(ref):
        return "object_id"
    return None


async def find_ticket(
    conn: Connection, workspace_id: str, ref: str, *, for_update: bool = False, dialect: str = ""
) -> Row | None:
    """By `TicketId` or `_id`; other shapes cannot name a ticket."""
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
    """The ticket and its messages in time order, in one query: each row carries the
    ticket's columns and one message's `message_*` columns."""
    column = _ref_column(ref)
    if column is None:
        return None, []
    rows = await conn.fetch(
        f"SELECT {_PREFIXED_TICKET_COLUMNS}, m.key AS message_key, m.type AS message_type,"
        " m.author_user_id AS message_author, m.content AS message_content,"
        " m.created_at AS message_created_at"
        " FROM tickets t LEFT JOIN messages m ON m.ticket_id = t.id"
        f" WHERE t.workspace_id = $1 AND t.{column} = $2 ORDER BY m.created_at, m.id",
        workspace_id,
        ref,
    )
    if not rows:
        return None, []
    return rows[0], [r for r in rows if r["message_key"] is not None]


async def take_open_slot(
    conn: Connection, workspace_id: str, category_key: str, author_user_id: int, limit: int | None
) -> bool:
    """Counts one more open ticket for the author in a limited category, unless that
    would pass `limit` (None: count, but never refuse). One conditional upsert: the
    row lock makes concurrent creates queue."""
    row = await conn.fetchrow(
        "INSERT INTO open_ticket_counts (workspace_id, category_key, author_user_id, open_count)"
        " VALUES ($1, $2, $3, 1) ON CONFLICT (workspace_id, category_key, author_user_id)"
        " DO UPDATE SET open_count = open_ticket_counts.open_count + 1"
        " WHERE $4 < 0 OR open_ticket_counts.open_count < $4 RETURNING open_count",
        workspace_id,
        category_key,
        author_user_id,
        -1 if limit is None else limit,
    )
    return row is not None


async def release_open_slot(
    conn: Connection, workspace_id: str, category_key: str, author_user_id: int
) -> None:
    await conn.execute(
        "UPDATE open_ticket_counts SET open_count = open_count - 1 WHERE workspace_id = $1"
        " AND category_key = $2 AND author_user_id = $3 AND open_count > 0",
        workspace_id,
        category_key,
        author_user_id,
    )


_MESSAGE_COLUMNS = ("key", "type", "author_user_id", "content", "created_at")
_MESSAGE_TYPES = ("text", "text", "bigint", "text", "bigint")
_EVENT_COLUMNS = ("actor_user_id", "type", "detail", "created_at")
_EVENT_TYPES = ("bigint", "text", "text", "bigint")


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
    params = ", ".join(f"${i}" for i in range(1, len(args) + 1))
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


async def insert_message(
    conn: Connection,
    *,
    ticket_id: int,
    key: str,
    type: str,
    author_user_id: int | None,
    content: str,
    created_at: int,
) -> None:
    await conn.execute(
        "INSERT INTO messages (ticket_id, key, type, author_user_id, content, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        ticket_id,
        key,
        type,
        author_user_id,
        content,
        created_at,
    )


async def update_ticket(conn: Connection, ticket_id: int, **values: Any) -> int:
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(values, start=2))
    return await conn.execute(
        f"UPDATE tickets SET {assignments} WHERE id = $1", ticket_id, *values.values()
    )


async def claim(conn: Connection, ticket_id: int, staff_user_id: int, now: int) -> bool:
    """The conditional update that lets exactly one of many simultaneous claimers win."""
    changed = await conn.execute(
        "UPDATE tickets SET claimed_by = $2, claimed_at = $3, updated_at = $3,"
        " status = 'in-progress' WHERE id = $1 AND claimed_by IS NULL"
        " AND status IN ('open', 'in-progress')",
        ticket_id,
        staff_user_id,
        now,
    )
    return changed == 1


async def insert_event(
    conn: Connection,
    *,
    workspace_id: str,
    ticket_id: int,
    actor_user_id: int | None,
    type: str,
    detail: str,
    created_at: int,
) -> None:
    await conn.execute(
        "INSERT INTO events (workspace_id, ticket_id, actor_user_id, type, detail, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        workspace_id,
        ticket_id,
        actor_user_id,
        type,
        detail,
        created_at,
    )


async def search_tickets(
    conn: Connection,
    workspace_id: str,
    *,
    filters: list[tuple[str, Any]],
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """`filters` are (SQL condition with a `?` for its one parameter, value) pairs, or
    (condition, None) for a condition with no parameter."""
    where, args = ["workspace_id = $1"], [workspace_id]
    for condition, value in filters:
        if value is None:
            where.append(condition)
            continue
        args.append(value)
        where.append(condition.replace("?", f"${len(args)}"))
    clause = " AND ".join(where)
    total = await conn.fetchval(f"SELECT COUNT(*) FROM tickets WHERE {clause}", *args)
    rows = await conn.fetch(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE {clause} ORDER BY id DESC"
        f" LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return rows, total
