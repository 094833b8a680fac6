"""SQLite group commit (ticketd/db/database.py): transactions that queue up share one
COMMIT, yet each one's outcome is its own, and none returns before its data is on disk."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from ticketd.db.database import SqliteDatabase

pytestmark = pytest.mark.anyio


@pytest.fixture
async def db(tmp_path: Path) -> SqliteDatabase:
    path = tmp_path / "group.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, parent_id INTEGER"
                     " REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED)")  # fmt: skip
        conn.execute("INSERT INTO parents VALUES (1)")
    database = SqliteDatabase(str(path))
    await database.connect()
    return database


def committed_ids(db: SqliteDatabase) -> list[int]:
    """What another connection (another process) sees."""
    with sqlite3.connect(db.path) as other:
        return [r[0] for r in other.execute("SELECT id FROM rows ORDER BY id")]


async def insert(db: SqliteDatabase, row_id: int, parent_id: int = 1) -> list[int]:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO rows (id, parent_id) VALUES ($1, $2)", row_id, parent_id)
    return committed_ids(db)


async def test_concurrent_transactions_are_committed_when_each_returns(db: SqliteDatabase) -> None:
    seen = await asyncio.gather(*(insert(db, n) for n in range(1, 41)))
    for n, ids in enumerate(seen, start=1):
        assert n in ids  # on disk for other processes before its transaction returned
    assert committed_ids(db) == list(range(1, 41))
    await db.close()


async def test_a_failing_transaction_rolls_back_alone(db: SqliteDatabase) -> None:
    async def failing() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO rows (id, parent_id) VALUES (100, 1)")
            raise ValueError("refused")

    outcomes = await asyncio.gather(insert(db, 1), failing(), insert(db, 2), return_exceptions=True)
    assert isinstance(outcomes[1], ValueError)
    assert committed_ids(db) == [1, 2]
    await db.close()


async def test_a_failed_commit_fails_every_transaction_of_its_group(db: SqliteDatabase) -> None:
    """A deferred foreign key is checked at COMMIT: one bad row sinks the group it was
    committed with, and every transaction in it says so rather than claiming success."""
    outcomes = await asyncio.gather(
        insert(db, 1), insert(db, 2, parent_id=999), insert(db, 3), return_exceptions=True
    )
    assert all(isinstance(o, sqlite3.IntegrityError) for o in outcomes), outcomes
    assert committed_ids(db) == []
    assert await insert(db, 4) == [4]  # the next group starts afresh
    await db.close()


async def test_a_lone_transaction_commits_without_waiting_for_company(db: SqliteDatabase) -> None:
    assert await asyncio.wait_for(insert(db, 1), timeout=1) == [1]
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM rows") == 1
    await db.close()
