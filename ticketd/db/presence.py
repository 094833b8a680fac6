"""Whether another `ticketd serve` already runs on this database. Each one holds a lock
while it runs: a session advisory lock on PostgreSQL (on a connection of its own), an
exclusive file lock beside an SQLite file. Without Redis, processes sharing a database
limit API keys and cache configuration each on its own, so a second one is worth a
loud warning (ticketd/app.py)."""

import contextlib
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from ticketd.db.database import Database, PostgresDatabase, SqliteDatabase

SERVER_LOCK_ID = 7471101  # next to migrations' 7471100


@asynccontextmanager
async def alone_on_database(db: Database, *, check: bool = True) -> AsyncIterator[bool]:
    """True while this is the only process holding the lock; held until the block ends
    (always True without `check`)."""
    if not check:
        yield True
    elif isinstance(db, PostgresDatabase):
        async with _advisory_lock(db.dsn) as alone:
            yield alone
    elif isinstance(db, SqliteDatabase) and db.path != ":memory:":
        with open(f"{db.path}.serving", "a") as marker:  # noqa: ASYNC230 - once, at start-up
            try:
                fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
    else:
        yield True


@asynccontextmanager
async def _advisory_lock(dsn: str) -> AsyncIterator[bool]:
    conn = await asyncpg.connect(dsn)
    try:
        yield bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", SERVER_LOCK_ID))
    finally:
        with contextlib.suppress(Exception):  # the lock goes with the connection anyway
            await conn.close()
