"""Custom field definitions' storage. Every statement names its workspace."""

import orjson

from ticketd.db import numbers
from ticketd.db.database import Connection


def _options(options: list[str]) -> str | None:
    return orjson.dumps(options).decode() if options else None


async def insert_field(
    conn: Connection, *, workspace_id: str, name: str, field_type: str, options: list[str], now: int
) -> tuple[int, int] | None:
    """The new field's id and number, or None when the workspace has a field of that
    name (in any case): the unique (workspace, lower-cased name) key decides, even between
    racing calls."""
    number = await numbers.take(conn, workspace_id, "custom_fields")
    field_id = await conn.fetchval(
        "INSERT INTO custom_fields (workspace_id, name, name_key, type, options, created_at,"
        " number) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (workspace_id, name_key) DO NOTHING RETURNING id",
        workspace_id,
        name,
        name.lower(),
        field_type,
        _options(options),
        now,
        number,
    )
    return None if field_id is None else (field_id, number)


async def update_field(
    conn: Connection, *, workspace_id: str, field_id: int, name: str, options: list[str]
) -> bool:
    """False when the workspace has no such field; IntegrityError when the name is taken."""
    changed = await conn.execute(
        "UPDATE custom_fields SET name = $3, name_key = $4, options = $5"
        " WHERE workspace_id = $1 AND id = $2",
        workspace_id,
        field_id,
        name,
        name.lower(),
        _options(options),
    )
    return bool(changed)


async def delete_field(conn: Connection, *, workspace_id: str, field_id: int) -> bool:
    """Deletes the field and every ticket's value for it; False when there is none."""
    await conn.execute(
        "DELETE FROM ticket_field_values WHERE workspace_id = $1 AND field_id = $2",
        workspace_id,
        field_id,
    )
    changed = await conn.execute(
        "DELETE FROM custom_fields WHERE workspace_id = $1 AND id = $2", workspace_id, field_id
    )
    return bool(changed)
