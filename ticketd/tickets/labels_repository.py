"""Storage of tags and custom field values on tickets. Both carry the ticket's workspace,
which their references to the ticket, the tag and the field include: a value of
another workspace's ticket or field is refused (IntegrityError)."""

from ticketd.db.database import IntegrityError, Params, Scope
from ticketd.kit.errors import FieldNotFound
from ticketd.tickets.labels import tag_key
from ticketd.tickets.model import FieldValue
from ticketd.tickets.thread_repository import OF_TICKET


async def attach_tags(scope: Scope, ticket_id: int, tags: tuple[str, ...]) -> None:
    """Adds tags to a ticket, creating the ones the workspace does not have yet (one
    tag per name whatever its case: the first spelling stays)."""
    # In key order: concurrent writers then take the tags' index locks in the same
    # order and cannot deadlock.
    await scope.conn.executemany(
        "INSERT INTO tags (workspace_id, name, name_key) VALUES ($1, $2, $3)"
        " ON CONFLICT (workspace_id, name_key) DO NOTHING",
        sorted((scope.workspace_id, name, tag_key(name)) for name in tags),
    )
    params = Params(scope.workspace_id, ticket_id)
    await scope.conn.execute(
        "INSERT INTO ticket_tags (workspace_id, ticket_id, tag_id, ticket_thread_at)"
        " SELECT workspace_id, CAST($2 AS BIGINT), id, (SELECT t.last_thread_at FROM tickets t"
        " WHERE t.workspace_id = $1 AND t.id = $2) FROM tags"
        f" WHERE workspace_id = $1 AND name_key IN ({params.add_all(tag_key(n) for n in tags)})",
        *params.values,
    )


async def detach_all_tags(scope: Scope, ticket_id: int) -> None:
    await scope.conn.execute(
        f"DELETE FROM ticket_tags WHERE {OF_TICKET}", scope.workspace_id, ticket_id
    )


async def insert_field_values(scope: Scope, ticket_id: int, values: tuple[FieldValue, ...]) -> None:
    """Values of a new ticket; a field deleted by another process since the workspace's
    configuration was read (or of another workspace) is FieldNotFound."""
    try:
        await scope.conn.executemany(
            "INSERT INTO ticket_field_values (workspace_id, ticket_id, field_id, value)"
            " VALUES ($1, $2, $3, $4)",
            [(scope.workspace_id, ticket_id, v.field_id, v.value) for v in values],
        )
    except IntegrityError:
        raise FieldNotFound() from None


async def upsert_field_value(scope: Scope, ticket_id: int, value: FieldValue) -> None:
    try:
        await scope.conn.execute(
            "INSERT INTO ticket_field_values (workspace_id, ticket_id, field_id, value)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, ticket_id, field_id)"
            " DO UPDATE SET value = excluded.value",
            scope.workspace_id,
            ticket_id,
            value.field_id,
            value.value,
        )
    except IntegrityError:  # deleted by another process since the config was cached
        raise FieldNotFound() from None


async def delete_field_value(scope: Scope, ticket_id: int, field_id: int) -> None:
    await scope.conn.execute(
        f"DELETE FROM ticket_field_values WHERE {OF_TICKET} AND field_id = $3",
        scope.workspace_id,
        ticket_id,
        field_id,
    )


async def workspace_tags(scope: Scope) -> list[str]:
    rows = await scope.conn.fetch(
        "SELECT name FROM tags WHERE workspace_id = $1 ORDER BY name_key", scope.workspace_id
    )
    return [r["name"] for r in rows]


async def labels_of(
    scope: Scope, ticket_ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, list[FieldValue]]]:
    """Tags and custom field values of many tickets, in two queries."""
    tags: dict[int, list[str]] = {i: [] for i in ticket_ids}
    fields: dict[int, list[FieldValue]] = {i: [] for i in ticket_ids}
    if not ticket_ids:
        return tags, fields
    params = Params(scope.workspace_id)
    listed = params.add_all(ticket_ids)
    for row in await scope.conn.fetch(
        "SELECT tt.ticket_id, t.name FROM ticket_tags tt"
        " JOIN tags t ON t.workspace_id = tt.workspace_id AND t.id = tt.tag_id"
        f" WHERE tt.workspace_id = $1 AND tt.ticket_id IN ({listed}) ORDER BY t.name_key",
        *params.values,
    ):
        tags[row[0]].append(row[1])
    for row in await scope.conn.fetch(
        "SELECT ticket_id, field_id, value FROM ticket_field_values"
        f" WHERE workspace_id = $1 AND ticket_id IN ({listed}) ORDER BY field_id",
        *params.values,
    ):
        fields[row[0]].append(FieldValue(row[1], row[2]))
    return tags, fields
