"""SQLite writes (ticketd/db/database.py). Group commit: transactions that queue up
share one COMMIT, yet each one's outcome is its own, and none returns before its data is
on disk. Another process's write lock: waited out without blocking the event loop or
readers, for at most the configured time, then a 503 in the API's envelope. Statistics
for the planner once the tickets are many."""

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.load import load
from tests.support.workspaces import new_workspace, settings_for
from ticketd.app import build_services, create_app
from ticketd.db.database import Connection, SqliteDatabase
from ticketd.db.migrate import upgrade
from ticketd.kit.errors import Unavailable

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


@pytest.fixture
def locked_by_another_process(db: SqliteDatabase) -> Iterator[sqlite3.Connection]:
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


async def test_a_write_waits_out_another_process_then_gives_up_with_503(
    db: SqliteDatabase, locked_by_another_process: sqlite3.Connection
) -> None:
    db.lock_wait = 0.4
    loop = asyncio.get_running_loop()
    began = loop.time()

    async def reader() -> tuple[int, float]:
        await asyncio.sleep(0.05)
        async with db.connection() as conn:
            return await conn.fetchval("SELECT COUNT(*) FROM parents"), loop.time() - began

    async def ticker() -> float:
        """The longest the event loop went without running this task."""
        longest, last = 0.0, loop.time()
        while loop.time() - began < 0.35:
            await asyncio.sleep(0.01)
            longest, last = max(longest, loop.time() - last), loop.time()
        return longest

    outcome, (parents, read_after), stall = await asyncio.gather(
        insert(db, 1), reader(), ticker(), return_exceptions=True
    )
    waited = loop.time() - began
    assert isinstance(outcome, Unavailable)
    assert 0.4 <= waited < 1.5
    assert parents == 1 and read_after < 0.3  # readers were not held up by the waiting write
    assert stall < 0.1  # nor was the event loop
    locked_by_another_process.execute("COMMIT")
    assert await insert(db, 2) == [2]
    await db.close()


async def test_a_write_goes_through_once_the_other_process_commits(
    db: SqliteDatabase, locked_by_another_process: sqlite3.Connection
) -> None:
    locked_by_another_process.execute("INSERT INTO rows (id, parent_id) VALUES (7, 1)")
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, locked_by_another_process.execute, "COMMIT")
    started = time.monotonic()
    assert await insert(db, 8) == [7, 8]
    assert time.monotonic() - started >= 0.2
    await db.close()


async def test_series_create_answers_503_in_its_envelope_while_the_lock_is_held(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    upgrade(url)
    services = build_services(settings_for(url, sqlite_lock_wait_seconds=0.2))
    await services.db.connect()
    transport = httpx.ASGITransport(app=create_app(services=services))
    async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as client:
        ws = await new_workspace(services, client)
        body = {"subject": "Locked out", "category": "support", "message": "Hello",
                "authorUserId": 42, "authorAvatarUrl": "https://example.com/a.png"}  # fmt: skip
        other = sqlite3.connect(tmp_path / "api.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        answer = await client.post("/tickets/create", json=body, headers={"apikey": ws.key})
        other.execute("ROLLBACK")
        assert answer.status_code == 503
        assert answer.json() == {
            "success": False,
            "error": {"code": 503, "message": "The database is busy, try again"},
        }
        after = await client.post("/tickets/create", json=body, headers={"apikey": ws.key})
        assert after.status_code == 200
        listed = await client.get("/tickets/list", headers={"apikey": ws.key})
        assert listed.json()["data"]["Pagination"]["TotalCount"] == 1  # nothing half-written
        other.close()
    await services.db.close()


async def test_statistics_are_gathered_once_a_workspace_is_large(tmp_path: Path) -> None:
    """Without sqlite_stat1, `workspace_id = ?` looks as selective as an id, and the
    first messages of a page of tickets were found by reading the whole workspace."""
    url = f"sqlite:///{tmp_path / 'big.db'}"
    upgrade(url)
    loaded = await load(url, count=1_200, seed=3, batch=600)
    db = SqliteDatabase(str(tmp_path / "big.db"))
    await db.connect()
    async with db.connection() as conn:
        analysed = await conn.fetchval("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'tickets'")
        plan = await conn.fetch(
            "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE workspace_id = $1 AND id IN"
            " (SELECT MIN(id) FROM messages WHERE workspace_id = $1 AND ticket_id IN (1, 2)"
            " GROUP BY ticket_id)",
            loaded.workspace_id,
        )
        ids = ", ".join(str(n) for n in range(1, 201))
        by_ids = await conn.fetch(
            f"EXPLAIN QUERY PLAN SELECT id, department_key FROM tickets"
            f" WHERE (workspace_id = $1 AND id IN ({ids}))",
            loaded.workspace_id,
        )
    await db.close()
    assert analysed > 0
    assert "USING INTEGER PRIMARY KEY" in plan[0][-1], [r[-1] for r in plan]
    assert "USING INTEGER PRIMARY KEY" in by_ids[0][-1], [r[-1] for r in by_ids]


@pytest.mark.parametrize(
    "table", ["tickets (workspace_id, priority)", "ticket_tags (tag_id, ticket_thread_at)"]
)
async def test_an_index_added_since_the_last_analyze_gets_statistics_on_opening(
    tmp_path: Path, table: str
) -> None:
    """An index a migration adds to a table lists are read from has no statistics, and
    SQLite may then prefer it: 0012's number index made a million-ticket list page sort
    the whole workspace."""
    path = tmp_path / "big.db"
    upgrade(f"sqlite:///{path}")
    await load(f"sqlite:///{path}", count=1_200, seed=4, batch=600)
    for _ in range(2):  # the first opening analyses; then an index arrives, unanalysed
        db = SqliteDatabase(str(path))
        await db.connect()
        async with db.connection() as conn:
            await conn.execute(f"CREATE INDEX IF NOT EXISTS ix_later ON {table}")
            analysed = await conn.fetchval(
                "SELECT COUNT(*) FROM sqlite_stat1 WHERE idx = 'ix_later'"
            )
        await db.close()
    assert analysed == 1


def search_rows(path: Path, table: str, text: str) -> list[int]:
    """What the search table's trigram index finds (its LIKE is answered from the index)."""
    column = "text" if table == "ticket_search" else "content"
    with sqlite3.connect(path) as other:
        found = other.execute(f"SELECT rowid FROM {table} WHERE {column} LIKE ?", (f"%{text}%",))
        return sorted(r[0] for r in found)


def search_tables_intact(path: Path) -> None:
    """FTS5's own checks, nothing left pending, and one index entry per ticket and per
    published message. (`message_search` takes its text from `messages`, drafts too, so
    its check against that content would count drafts as missing.)"""
    with sqlite3.connect(path) as other:
        check = "INSERT INTO {0} ({0}, rank) VALUES ('integrity-check', 1)"
        other.execute(check.format("ticket_search"))
        other.execute("INSERT INTO message_search (message_search) VALUES ('integrity-check')")
        for table in ("ticket_search_pending", "message_search_pending"):
            assert other.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)
        counts = other.execute(
            "SELECT (SELECT COUNT(*) FROM ticket_search), (SELECT COUNT(*) FROM tickets),"
            " (SELECT COUNT(*) FROM message_search_docsize),"
            " (SELECT COUNT(*) FROM messages WHERE NOT is_draft)"
        ).fetchone()
        assert counts[0] == counts[1] and counts[2] == counts[3], counts


async def copy_message(conn: Connection, source_id: int, new_id: int, content: str) -> None:
    """A published copy of a message, with its own id, key, number and text."""
    columns = [r[1] for r in await conn.fetch("PRAGMA table_info(messages)")]
    changed = {"id": "$1", "key": "'msj_copy_' || $1", "number": "$1 + 1000000",
               "content": "$2", "is_draft": "0"}  # fmt: skip
    values = ", ".join(changed.get(c, c) for c in columns)
    await conn.execute(
        f"INSERT INTO messages ({', '.join(columns)}) SELECT {values} FROM messages WHERE id = $3",
        new_id, content, source_id,
    )  # fmt: skip


async def test_search_rows_are_indexed_at_commit_whatever_the_group_did(tmp_path: Path) -> None:
    """Since 0013 the search tables are written once per COMMIT (ticketd/db/search_index.py):
    rows inserted, edited, deleted or rolled back within one group are indexed as they
    stand at the COMMIT, and an edit of a message indexed earlier replaces its text."""
    path = tmp_path / "search.db"
    upgrade(f"sqlite:///{path}")
    await load(f"sqlite:///{path}", count=20, seed=5, batch=20)
    db = SqliteDatabase(str(path))
    await db.connect()
    async with db.connection() as conn:
        first = await conn.fetchval("SELECT MIN(id) FROM messages")

    async def add(new_id: int, content: str) -> None:
        async with db.transaction() as conn:
            await copy_message(conn, first, new_id, content)

    async def add_then_edit() -> None:
        async with db.transaction() as conn:
            await copy_message(conn, first, 900_002, "quokka before")
            await conn.execute("UPDATE messages SET content = 'quokka after' WHERE id = 900002")

    async def add_then_fail() -> None:
        async with db.transaction() as conn:
            await copy_message(conn, first, 900_003, "quokka refused")
            raise ValueError("refused")

    async def edit_earlier() -> None:
        async with db.transaction() as conn:
            await conn.execute("UPDATE messages SET content = 'quokka edited' WHERE id = $1", first)

    async def delete_new() -> None:
        async with db.transaction() as conn:
            await copy_message(conn, first, 900_004, "quokka deleted")
            await conn.execute("DELETE FROM messages WHERE id = 900004")

    outcomes = await asyncio.gather(
        add(900_001, "quokka one"), add_then_edit(), add_then_fail(), edit_earlier(),
        delete_new(), return_exceptions=True,
    )  # fmt: skip
    assert [type(o) for o in outcomes] == [type(None)] * 2 + [ValueError] + [type(None)] * 2
    await db.close()
    search_tables_intact(path)
    assert search_rows(path, "message_search", "quokka") == [first, 900_001, 900_002]
    assert search_rows(path, "message_search", "quokka after") == [900_002]
    assert search_rows(path, "message_search", "quokka before") == []


AVATAR = "https://example.com/a.png"


async def test_tickets_created_together_are_all_found_by_search(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    upgrade(url)
    services = build_services(settings_for(url))
    await services.db.connect()
    transport = httpx.ASGITransport(app=create_app(services=services))
    async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as client:
        ws = await new_workspace(services, client)

        async def create(n: int) -> str:
            body = {"subject": f"Wombat {n:02d} stuck", "category": "support", "message": "Hi",
                    "authorUserId": 100 + n, "authorAvatarUrl": AVATAR}  # fmt: skip
            answer = await client.post("/tickets/create", json=body, headers={"apikey": ws.key})
            assert answer.status_code == 200, answer.text
            return str(answer.json()["data"]["TicketId"])

        created = await asyncio.gather(*(create(n) for n in range(30)))
        found = await client.get(
            "/tickets/list", params={"search": "wombat"}, headers={"apikey": ws.key}
        )
    await services.db.close()
    assert found.json()["data"]["Pagination"]["TotalCount"] == 30
    search_tables_intact(tmp_path / "api.db")
    assert len(search_rows(tmp_path / "api.db", "ticket_search", "wombat")) == len(created) == 30
