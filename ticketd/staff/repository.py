"""The dashboard's own storage: sessions, failed sign-ins, and finding whose password a
login names (in any workspace)."""

from collections.abc import Sequence

from ticketd.db.database import Connection, Row


async def credentials_for_login(
    conn: Connection, *, email: str | None, user_id: int | None, workspace_id: str | None
) -> Sequence[Row]:
    """(workspace_id, person_guid, password_hash) of everyone the login may name (in
    the one workspace, when given), newest workspace first."""
    return await conn.fetch(
        "SELECT p.workspace_id, p.guid, c.password_hash FROM people p"
        " JOIN staff_credentials c ON c.workspace_id = p.workspace_id AND c.person_guid = p.guid"
        " JOIN workspaces w ON w.id = p.workspace_id"
        " WHERE (p.email_key = $1 OR (CAST($2 AS BIGINT) IS NOT NULL AND p.user_id = $2))"
        " AND (CAST($3 AS TEXT) IS NULL OR p.workspace_id = $3)"
        " ORDER BY w.created_at DESC, w.id LIMIT 10",
        email,
        user_id,
        workspace_id,
    )


async def insert_session(
    conn: Connection, token_hash: str, workspace_id: str, guid: str, csrf: str, now: int
) -> None:
    await conn.execute(
        "INSERT INTO staff_sessions (token_hash, workspace_id, person_guid, csrf_token,"
        " created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)",
        token_hash,
        workspace_id,
        guid,
        csrf,
        now,
    )


async def find_session(conn: Connection, token_hash: str) -> Row | None:
    """(workspace_id, person_guid, csrf_token, last_seen_at)."""
    return await conn.fetchrow(
        "SELECT workspace_id, person_guid, csrf_token, last_seen_at FROM staff_sessions"
        " WHERE token_hash = $1",
        token_hash,
    )


async def touch_session(conn: Connection, token_hash: str, now: int) -> None:
    await conn.execute(
        "UPDATE staff_sessions SET last_seen_at = $2 WHERE token_hash = $1", token_hash, now
    )


async def delete_session(conn: Connection, token_hash: str) -> None:
    await conn.execute("DELETE FROM staff_sessions WHERE token_hash = $1", token_hash)
