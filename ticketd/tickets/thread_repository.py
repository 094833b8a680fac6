"""Storage of a ticket's thread (messages and notes) and of its events. Every statement
names the Scope's workspace: messages carry it, and their reference to the ticket
includes it, so a message can only join a ticket of its own workspace."""

from collections.abc import Sequence
from typing import Any

from ticketd.db import numbers
from ticketd.db.database import Params, Row, Scope, placeholders
from ticketd.tickets.model import Message, MessageKind

MESSAGE_COLUMNS = (
    "id, ticket_id, key, type, author_user_id, author_guid, content, html, attachments,"
    " mentions, parent_number, level, is_draft, created_at, updated_at, number"
)
EVENT_COLUMNS = (
    "id, ticket_id, actor_user_id, actor_guid, actor_name, type, detail, created_at, public_id"
)
# The rows of the ticket `$2` in the workspace `$1` (messages, tags, field values).
OF_TICKET = "workspace_id = $1 AND ticket_id = $2"


async def insert_message(
    scope: Scope, ticket_id: int, values: dict[str, Any], *, number: int | None = None
) -> tuple[int, int]:
    """A new message of the ticket, which must be in the Scope's workspace (otherwise
    the reference to the ticket refuses it: IntegrityError). Returns its row id and its
    number in the workspace (`number`, else one the Scope took ahead, else one taken here)."""
    if number is None and scope.message_numbers:
        number = scope.message_numbers.pop(0)
    elif number is None:
        number = await numbers.take(scope.conn, scope.workspace_id, "messages")
    columns = ", ".join(values)
    message_id: int = await scope.conn.fetchval(
        f"INSERT INTO messages (workspace_id, ticket_id, number, {columns})"
        f" VALUES ($1, $2, $3, {placeholders(len(values), start=4)}) RETURNING id",
        scope.workspace_id,
        ticket_id,
        number,
        *values.values(),
    )
    return message_id, number


async def find_message(scope: Scope, ticket_id: int, message_id: int) -> Message | None:
    """By row id (what events name)."""
    row = await scope.conn.fetchrow(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE {OF_TICKET} AND id = $3",
        scope.workspace_id,
        ticket_id,
        message_id,
    )
    return None if row is None else Message.from_row(row)


async def find_numbered_message(scope: Scope, ticket_id: int, number: int) -> Message | None:
    """By its number in the workspace (what APIs show), if it is the ticket's."""
    row = await scope.conn.fetchrow(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE {OF_TICKET} AND number = $3",
        scope.workspace_id,
        ticket_id,
        number,
    )
    return None if row is None else Message.from_row(row)


async def update_message(scope: Scope, ticket_id: int, message_id: int, **values: Any) -> None:
    params = Params(scope.workspace_id, ticket_id, message_id)
    assignments = params.assignments(values)
    await scope.conn.execute(
        f"UPDATE messages SET {assignments} WHERE {OF_TICKET} AND id = $3",
        *params.values,
    )


async def delete_message(scope: Scope, ticket_id: int, message_id: int) -> None:
    await scope.conn.execute(
        f"DELETE FROM messages WHERE {OF_TICKET} AND id = $3",
        scope.workspace_id,
        ticket_id,
        message_id,
    )


async def list_messages(
    scope: Scope, ticket_id: int, kinds: tuple[MessageKind, ...], *, offset: int, limit: int
) -> list[Message]:
    """Messages of the given kinds, oldest first, without the ticket's opening message."""
    params = Params(scope.workspace_id, ticket_id)
    rows = await scope.conn.fetch(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE {OF_TICKET}"
        f" AND type IN ({params.add_all(kinds)})"
        f" AND id > (SELECT MIN(id) FROM messages WHERE {OF_TICKET})"
        f" ORDER BY created_at, id LIMIT {params.add(limit)} OFFSET {params.add(offset)}",
        *params.values,
    )
    return [Message.from_row(r) for r in rows]


async def opening_messages(scope: Scope, ticket_ids: list[int]) -> dict[int, Message]:
    """The first message of each ticket: its text, HTML and attachments."""
    if not ticket_ids:
        return {}
    params = Params(scope.workspace_id)
    rows = await scope.conn.fetch(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE workspace_id = $1 AND id IN"
        " (SELECT MIN(id) FROM messages WHERE workspace_id = $1"
        f" AND ticket_id IN ({params.add_all(ticket_ids)}) GROUP BY ticket_id)",
        *params.values,
    )
    found = (Message.from_row(r) for r in rows)
    return {m.ticket_id: m for m in found}


async def insert_event(scope: Scope, ticket_id: int, values: dict[str, Any]) -> None:
    columns = ["workspace_id", "ticket_id", *values]
    await scope.conn.execute(
        f"INSERT INTO events ({', '.join(columns)}) VALUES ({placeholders(len(columns))})",
        scope.workspace_id,
        ticket_id,
        *values.values(),
    )


async def list_events(
    scope: Scope, ticket_id: int, types: tuple[str, ...], *, offset: int, limit: int
) -> Sequence[Row]:
    """The ticket's events, newest first; all types when `types` is empty."""
    params = Params(scope.workspace_id, ticket_id)
    only = f" AND type IN ({params.add_all(types)})" if types else ""
    return await scope.conn.fetch(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE workspace_id = $1 AND ticket_id = $2{only}"
        f" ORDER BY id DESC LIMIT {params.add(limit)} OFFSET {params.add(offset)}",
        *params.values,
    )
