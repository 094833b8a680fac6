"""Numbers within a workspace: tickets, messages, categories, custom fields and
departments are numbered 1, 2, 3… per workspace (schema.number_column), so the integer
id an API shows says nothing of other workspaces. The workspace's row of
`workspace_numbers` holds the last number of each kind; taking numbers is one upsert
on it, which locks the row until the transaction ends (both engines), so concurrent
creates in a workspace never share a number. A number is never given twice, even when
its row is deleted.

On PostgreSQL that lock would make every change in a workspace that writes a message
wait for the COMMIT of the one before, so numbers are taken `ahead` of the transaction
that uses them, in a statement of their own. A change refused after that leaves a gap
in the numbers; SQLite writes one transaction at a time anyway."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from ticketd.db.database import Connection, Database

T = TypeVar("T")

KINDS = ("tickets", "messages", "categories", "custom_fields", "departments")


def take_sql(*kinds: str, workspace: str = "$1", count: str = "1") -> str:
    """An upsert taking `count` numbers of each kind for the workspace, returning the
    last number taken of each (in the order of `kinds`). Its text is fixed by its
    arguments, so it can sit in another statement (a WITH clause)."""
    assert kinds and all(k in KINDS for k in kinds)
    columns = ", ".join(kinds)
    values = ", ".join(count for _ in kinds)
    bumps = ", ".join(f"{k} = workspace_numbers.{k} + {count}" for k in kinds)
    return (
        f"INSERT INTO workspace_numbers (workspace_id, {columns}) VALUES ({workspace}, {values})"
        f" ON CONFLICT (workspace_id) DO UPDATE SET {bumps} RETURNING {columns}"
    )


async def take(conn: Connection, workspace_id: str, kind: str, count: int = 1) -> int:
    """Takes `count` numbers of `kind`; returns the first of them (the others follow)."""
    last: int = await conn.fetchval(take_sql(kind, count="$2"), workspace_id, count)
    return last - count + 1


async def ahead(db: Database, take: Callable[[Connection], Awaitable[T]]) -> T | None:
    """What `take` takes, on PostgreSQL, on a connection of its own before the
    transaction that uses it; None on SQLite, where the transaction takes its own."""
    if db.dialect != "postgresql":
        return None
    async with db.connection() as conn:
        return await take(conn)
