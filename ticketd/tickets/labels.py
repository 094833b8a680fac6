"""Tags and custom field values on tickets."""

from typing import Any

from ticketd.db.database import Connection, Database, IntegrityError, Row, placeholders
from ticketd.kit.errors import FieldNotFound, ValidationFailed
from ticketd.workspaces.config import WorkspaceConfig
from ticketd.workspaces.fields import check_value

MAX_TAGS = 50
MAX_FIELDS = 100


def unique_ignoring_case(items: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Without repeats that differ only in case; the first spelling wins, order kept."""
    first: dict[str, str] = {}
    for item in items:
        first.setdefault(item.lower(), item)
    return tuple(first.values())


def checked_tags(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Trimmed, without repeats (first spelling wins, case-insensitively)."""
    trimmed = [raw.strip() for raw in names]
    for name in trimmed:
        # lower() may lengthen a name ("İ" → "i̇"); the stored key must fit too
        if not 1 <= len(name) <= 100 or len(name.lower()) > 100 or "\x00" in name:
            raise ValidationFailed("Validation error: tags: a tag is 1 to 100 characters")
    unique = unique_ignoring_case(trimmed)
    if len(unique) > MAX_TAGS:
        raise ValidationFailed(f"Validation error: tags: a ticket has at most {MAX_TAGS} tags")
    return unique


def checked_field_values(
    config: WorkspaceConfig, values: tuple[tuple[int, str], ...]
) -> tuple[tuple[int, str], ...]:
    if len(values) > MAX_FIELDS:
        raise ValidationFailed(f"Validation error: at most {MAX_FIELDS} custom field values")
    checked: dict[int, str] = {}
    for field_id, value in values:
        field = config.custom_fields.get(field_id)
        if field is None:
            raise ValidationFailed(f"Validation error: custom field {field_id} does not exist")
        checked[field_id] = check_value(field, value)
    return tuple(checked.items())


async def store_labels(
    conn: Connection,
    workspace_id: str,
    ticket_id: int,
    tags: tuple[str, ...],
    fields: tuple[tuple[int, str], ...],
) -> None:
    if tags:
        await _attach_tags(conn, workspace_id, ticket_id, tags)
    if fields:
        try:
            await conn.executemany(
                "INSERT INTO ticket_field_values (ticket_id, field_id, value) VALUES ($1, $2, $3)",
                [(ticket_id, field_id, value) for field_id, value in fields],
            )
        except IntegrityError:  # deleted by another process since the config was cached
            raise FieldNotFound() from None


async def _attach_tags(
    conn: Connection, workspace_id: str, ticket_id: int, tags: tuple[str, ...]
) -> None:
    # In key order: concurrent writers then take the tags' index locks in the same
    # order and cannot deadlock.
    await conn.executemany(
        "INSERT INTO tags (workspace_id, name, name_key) VALUES ($1, $2, $3)"
        " ON CONFLICT (workspace_id, name_key) DO NOTHING",
        sorted((workspace_id, name, name.lower()) for name in tags),
    )
    params = placeholders(len(tags), start=3)
    await conn.execute(
        "INSERT INTO ticket_tags (ticket_id, tag_id) SELECT $1, id FROM tags"
        f" WHERE workspace_id = $2 AND name_key IN ({params})",
        ticket_id,
        workspace_id,
        *(name.lower() for name in tags),
    )


async def replace_tags(conn: Connection, ticket: Row, tags: tuple[str, ...]) -> list[str]:
    """Returns the ticket's tags as stored: a name already known keeps its spelling."""
    await conn.execute("DELETE FROM ticket_tags WHERE ticket_id = $1", ticket["id"])
    if not tags:
        return []
    await _attach_tags(conn, ticket["workspace_id"], ticket["id"], tags)
    stored, _ = await labels_of(conn, [ticket["id"]])
    return stored[ticket["id"]]


async def set_field_value(
    conn: Connection, config: WorkspaceConfig, ticket: Row, field_id: int, value: str | None
) -> str | None:
    """Sets (or with None clears) one value; returns the value as stored."""
    field = config.custom_fields.get(field_id)
    if field is None:
        raise FieldNotFound()
    if value is None:
        await conn.execute(
            "DELETE FROM ticket_field_values WHERE ticket_id = $1 AND field_id = $2",
            ticket["id"],
            field_id,
        )
        return None
    value = check_value(field, value)
    try:
        await conn.execute(
            "INSERT INTO ticket_field_values (ticket_id, field_id, value) VALUES ($1, $2, $3)"
            " ON CONFLICT (ticket_id, field_id) DO UPDATE SET value = excluded.value",
            ticket["id"],
            field_id,
            value,
        )
    except IntegrityError:  # deleted by another process since the config was cached
        raise FieldNotFound() from None
    return value


async def list_tags(db: Database, workspace_id: str) -> list[str]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT name FROM tags WHERE workspace_id = $1 ORDER BY name_key", workspace_id
        )
    return [r["name"] for r in rows]


async def labels_of(
    conn: Connection, ticket_ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, list[dict[str, Any]]]]:
    """Tags and custom field values of many tickets, in two queries."""
    tags: dict[int, list[str]] = {i: [] for i in ticket_ids}
    fields: dict[int, list[dict[str, Any]]] = {i: [] for i in ticket_ids}
    if not ticket_ids:
        return tags, fields
    params = placeholders(len(ticket_ids))
    for row in await conn.fetch(
        "SELECT tt.ticket_id, t.name FROM ticket_tags tt JOIN tags t ON t.id = tt.tag_id"
        f" WHERE tt.ticket_id IN ({params}) ORDER BY t.name_key",
        *ticket_ids,
    ):
        tags[row["ticket_id"]].append(row["name"])
    for row in await conn.fetch(
        "SELECT ticket_id, field_id, value FROM ticket_field_values"
        f" WHERE ticket_id IN ({params}) ORDER BY field_id",
        *ticket_ids,
    ):
        fields[row["ticket_id"]].append({"id": row["field_id"], "value": row["value"]})
    return tags, fields
