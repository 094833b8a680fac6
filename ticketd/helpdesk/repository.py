"""Storage of helpdesk integration clients and of the token signing key."""

from collections.abc import Sequence

from ticketd.db.database import Connection, Row


async def find_active_client(conn: Connection, client_id: str) -> Row | None:
    # By client id alone: the token or the caller names it before any workspace is known.
    return await conn.fetchrow(
        "SELECT id, workspace_id, name, client_id FROM helpdesk_clients"
        " WHERE client_id = $1 AND revoked_at IS NULL",
        client_id,
    )


async def use_refresh_token(
    conn: Connection, *, workspace_id: str, client_row_id: int, refresh_hash: str, now: int
) -> bool:
    """Records the use, if the client is still active and the token is its own."""
    changed = await conn.execute(
        "UPDATE helpdesk_clients SET last_used_at = $4 WHERE workspace_id = $1 AND id = $2"
        " AND refresh_hash = $3 AND revoked_at IS NULL",
        workspace_id,
        client_row_id,
        refresh_hash,
        now,
    )
    return changed == 1


async def insert_client(
    conn: Connection, *, workspace_id: str, name: str, client_id: str, refresh_hash: str, now: int
) -> None:
    await conn.execute(
        "INSERT INTO helpdesk_clients (workspace_id, name, client_id, refresh_hash,"
        " created_at) VALUES ($1, $2, $3, $4, $5)",
        workspace_id,
        name,
        client_id,
        refresh_hash,
        now,
    )


async def clients_of(conn: Connection, workspace_id: str) -> Sequence[Row]:
    # Never the refresh token's hash: nothing that lists clients needs it.
    return await conn.fetch(
        "SELECT client_id, name, created_at, last_used_at, revoked_at FROM helpdesk_clients"
        " WHERE workspace_id = $1 ORDER BY id",
        workspace_id,
    )


async def revoke_client(conn: Connection, client_id: str, now: int) -> bool:
    # By client id alone, as the operator names it (client ids are GUIDs, unique).
    changed = await conn.execute(
        "UPDATE helpdesk_clients SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL",
        client_id,
        now,
    )
    return changed == 1


async def instance_secret(conn: Connection, name: str, candidate: str) -> str:
    """The stored secret called `name`, storing `candidate` first when there is none;
    insert-if-absent, so processes starting together agree on one value."""
    await conn.execute(
        "INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        name,
        candidate,
    )
    return await conn.fetchval("SELECT value FROM instance_secrets WHERE name = $1", name)
