"""The test databases: which engines every API test runs on, and the PostgreSQL admin
connection used to create and drop databases of their own."""

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from ticketd.db.migrate import upgrade

PG_ADMIN_URL = os.environ.get("TICKETD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ENGINES = ["sqlite", "postgresql"]


def engine_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def pg_available() -> bool:
    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
        return True
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False


async def pg_admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def pg_database_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def throwaway_pg_database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database at the newest migration, dropped afterwards. Commits
    need not wait for the disk: visibility, locking and isolation are unchanged, so no
    test checks less, and the PostgreSQL half runs faster."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(pg_admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        url = pg_database_url(name)
        upgrade(url)
        yield url
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def empty_database(like_url: str, directory: Path, stem: str) -> Iterator[str]:
    """A database with nothing in it, not even migrations, of the engine `like_url`
    names: a SQLite file `directory/stem.db` not made yet, or a new PostgreSQL database
    dropped afterwards."""
    if like_url.startswith("sqlite"):
        yield f"sqlite:///{directory / stem}.db"
        return
    name = f"ticketd_{stem}_{secrets.token_hex(4)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_database_url(name)
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
