"""Failed attempts at a secret (staff passwords, helpdesk refresh tokens), counted per
key ("address:…", "account:…") in fixed windows kept in the database, so every process
of a deployment sees the same counts."""

from ticketd.db.database import Connection


async def failures(conn: Connection, key: str, window_start: int) -> int:
    """Failures counted for `key` in the window that started after `window_start`."""
    value = await conn.fetchval(
        "SELECT failures FROM sign_in_failures WHERE key = $1 AND window_started_at > $2",
        key,
        window_start,
    )
    return int(value or 0)


async def count_failure(conn: Connection, key: str, window_start: int, now: int) -> None:
    """One more failure for `key`; a window older than `window_start` starts again."""
    await conn.execute(
        "INSERT INTO sign_in_failures (key, failures, window_started_at) VALUES ($1, 1, $3)"
        " ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN"
        " sign_in_failures.window_started_at > $2 THEN sign_in_failures.failures + 1"
        " ELSE 1 END, window_started_at = CASE WHEN sign_in_failures.window_started_at > $2"
        " THEN sign_in_failures.window_started_at ELSE $3 END",
        key,
        window_start,
        now,
    )


async def clear_failures(conn: Connection, key: str) -> None:
    await conn.execute("DELETE FROM sign_in_failures WHERE key = $1", key)
