"""A thin async database layer over the fastest driver of each engine.

SQL is written once with `$1`-style placeholders (PostgreSQL's) in the portable
subset both engines share (`ON CONFLICT`, `RETURNING`); SQLite statements get their
placeholders rewritten to `?1`. See docs/decisions.md for why this is not the
SQLAlchemy ORM.
"""

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from ticketd.db.search_index import index_pending, indexes_at_commit
from ticketd.kit.errors import Unavailable
from ticketd.settings import Settings


class Row(Protocol):
    """A result row: sqlite3.Row or asyncpg.Record, indexed by position or column name.
    Repositories turn rows into the typed values their callers use."""

    def __getitem__(self, key: Any, /) -> Any: ...


# A constraint (unique, foreign key, not null) refused a write, on either engine.
IntegrityError = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
UniqueViolation = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)


class Connection(Protocol):
    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...
    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]: ...
    async def fetch_with_custom_plan(self, sql: str, *args: Any) -> Sequence[Row]: ...
    async def fetchval(self, sql: str, *args: Any) -> Any: ...
    async def execute(self, sql: str, *args: Any) -> int: ...
    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class Scope:
    """A connection bound to one workspace. Repositories of workspace data take a Scope
    and start every statement from its workspace, so no caller writes that filter."""

    conn: "Connection"
    workspace_id: str
    dialect: str
    # Message numbers taken before the transaction (db/numbers.py `ahead`), used up
    # before any is taken inside it.
    message_numbers: list[int] = field(default_factory=list)
    # The ids of the tickets holding a searched text, by (text, in messages too), gathered
    # once for the statements that share this scope (a page and its total).
    tickets_holding: dict[tuple[str, bool], list[int]] = field(default_factory=dict)


class Database(Protocol):
    dialect: str

    async def connect(self) -> None: ...
    async def close(self) -> None: ...
    def transaction(self) -> AbstractAsyncContextManager[Connection]: ...
    def connection(self) -> AbstractAsyncContextManager[Connection]: ...
    def pool_use(self) -> "PoolUse": ...


@dataclass(frozen=True, slots=True)
class PoolUse:
    """Connections open, lent out now, and the most the pool opens."""

    size: int
    in_use: int
    max_size: int


class Params:
    """Parameters of a statement built piece by piece: `add` returns the placeholder of
    the value it appends, so values never enter the SQL text."""

    def __init__(self, *values: Any) -> None:
        self.values = list(values)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"

    def add_all(self, values: Iterable[Any]) -> str:
        return ", ".join(self.add(v) for v in values)

    def assignments(self, values: dict[str, Any]) -> str:
        """`column = $n, …` for an UPDATE's SET. Column names are the callers'
        constants, never input."""
        return ", ".join(f"{column} = {self.add(v)}" for column, v in values.items())


def placeholders(count: int, start: int = 1) -> str:
    """`$start, …` for `count` parameters."""
    return ", ".join(f"${i}" for i in range(start, start + count))


def insert_sql(table: str, columns: Sequence[str], returning: str = "") -> str:
    """An INSERT of one row with one parameter per column, in order. Table and column
    names are the callers' constants, never input."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(len(columns))})"
    return f"{sql} RETURNING {returning}" if returning else sql


async def update_by_id(conn: Connection, table: str, row_id: Any, values: dict[str, Any]) -> int:
    """`UPDATE table SET <values> WHERE id = $1`; returns the number of rows changed."""
    params = Params(row_id)
    assignments = params.assignments(values)
    return await conn.execute(f"UPDATE {table} SET {assignments} WHERE id = $1", *params.values)


async def update_in_workspace(
    conn: Connection, table: str, workspace_id: str, row_id: Any, values: dict[str, Any]
) -> int:
    """`UPDATE table SET <values> WHERE workspace_id = $1 AND id = $2`; returns the number
    of rows changed."""
    params = Params(workspace_id, row_id)
    assignments = params.assignments(values)
    return await conn.execute(
        f"UPDATE {table} SET {assignments} WHERE workspace_id = $1 AND id = $2", *params.values
    )


# What stands between ticketd and PostgreSQL (TICKETD_DATABASE_POOLER): nothing, or a
# pooler in transaction-pooling mode such as pgbouncer's `pool_mode = transaction`.
Pooler = Literal["none", "transaction"]


def open_database(
    url: str, *, pool_size: int = 10, pooler: Pooler = "none", sqlite_lock_wait: float = 3.0
) -> Database:
    if url.startswith("sqlite"):
        return SqliteDatabase(sqlite_path(url), lock_wait=sqlite_lock_wait)
    if url.startswith(("postgresql", "postgres")):
        pooled = pooler == "transaction"
        return PostgresDatabase(asyncpg_dsn(url), pool_size=pool_size, transaction_pooling=pooled)
    raise ValueError(f"Unsupported database URL {url!r}: use sqlite:///FILE or postgresql://…")


def database_for(settings: Settings) -> Database:
    """The database TICKETD_DATABASE_URL names, opened as the other settings say."""
    return open_database(
        settings.database_url,
        pool_size=settings.database_pool_size,
        pooler=settings.database_pooler,
        sqlite_lock_wait=settings.sqlite_lock_wait_seconds,
    )


def sqlite_path(url: str) -> str:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return path or ":memory:"


def asyncpg_dsn(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


_PLACEHOLDER = re.compile(r"\$(\d+)")
_sqlite_sql_cache: dict[str, str] = {}


def _sqlite_sql(sql: str) -> str:
    translated = _sqlite_sql_cache.get(sql)
    if translated is None:
        translated = _sqlite_sql_cache[sql] = _PLACEHOLDER.sub(r"?\1", sql)
    return translated


# How long one SQLite statement waits out another connection's lock (a checkpoint, a
# reader finishing) before failing. Waiting for another process's transaction happens
# in SqliteDatabase._writing_turn instead, off the event loop.
BLIP_MS = 50

# The most transactions one COMMIT covers: bounds how long other processes wait for
# the write lock while requests keep arriving.
MAX_GROUP = 64


# Without statistics (sqlite_stat1) SQLite assumes an index equality matches ten rows:
# then `workspace_id = ?` looks as selective as an id, and plans go wrong once a
# workspace holds many tickets (a page's first messages read the whole workspace).
# Sampled statistics (analysis_limit) are no better: they put a million-ticket
# workspace at a thousand. So a full ANALYZE when the database is opened (2.7 s at a
# million tickets, once) and the tickets have no statistics yet or are twice or half
# as many as when last analysed. Statistics only need the proportions right, so a
# long-running server keeps planning well on older ones.
STATISTICS_FROM_TICKETS = 1000  # below this, the planner's assumptions do no harm


def refresh_statistics(conn: sqlite3.Connection) -> None:
    try:
        tickets = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]
        if tickets < STATISTICS_FROM_TICKETS:
            return
        analysed = 0
        if _has_table(conn, "sqlite_stat1"):
            stat = conn.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'tickets'").fetchone()
            analysed = int(stat[0].split()[0]) if stat else 0
        if not analysed or not analysed / 2 <= tickets <= analysed * 2 or _unanalysed(conn):
            conn.execute("ANALYZE")
    except sqlite3.OperationalError:
        pass  # not migrated yet, or another process holds the write lock: next time


def _unanalysed(conn: sqlite3.Connection) -> bool:
    """Whether a migration added an index to a table lists are read from since the last
    ANALYZE: without its statistics SQLite may pick it (0012's number index made a
    million-ticket list page sort the whole workspace: 3.9 s)."""
    missing = conn.execute(
        "SELECT 1 FROM sqlite_master m WHERE m.type = 'index'"
        " AND m.tbl_name IN ('tickets', 'messages', 'ticket_tags')"
        " AND NOT EXISTS (SELECT 1 FROM sqlite_stat1 s WHERE s.idx = m.name) LIMIT 1"
    ).fetchone()
    return missing is not None


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    return found is not None


class SqliteConnection:
    """Calls run inline on the event loop: SQLite statements here take microseconds,
    and a thread hop per statement would cost more than the statement itself."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = self._conn.execute(_sqlite_sql(sql), args).fetchone()
        return row

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        return self._conn.execute(_sqlite_sql(sql), args).fetchall()

    async def fetch_with_custom_plan(self, sql: str, *args: Any) -> Sequence[Row]:
        return self._conn.execute(_sqlite_sql(sql), args).fetchall()  # SQLite plans every run

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = self._conn.execute(_sqlite_sql(sql), args).fetchone()
        return None if row is None else row[0]

    async def execute(self, sql: str, *args: Any) -> int:
        return self._conn.execute(_sqlite_sql(sql), args).rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(_sqlite_sql(sql), rows)


class SqliteDatabase:
    """One connection per process, taken in turns. Transactions that queue up while one
    runs share its COMMIT (group commit): each runs in its own savepoint inside one
    outer transaction, and the last of the queue commits for all. Nobody's transaction
    returns before that COMMIT, and if it fails, every transaction of the group fails."""

    dialect = "sqlite"

    def __init__(self, path: str, *, lock_wait: float = 3.0) -> None:
        self.path = path
        self.lock_wait = lock_wait  # for another process's write lock, then 503
        self._conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()
        self._queued = 0  # coroutines waiting for their turn
        self._group: asyncio.Future[None] | None = None  # the open group's COMMIT
        self._group_size = 0
        self._indexes_at_commit = False  # search rows to index before COMMIT (0013)

    async def connect(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={BLIP_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        # 32 MiB of page cache: with the process itself (~75 MiB) well inside 150 MiB; the
        # operating system caches the rest of the file.
        conn.execute("PRAGMA cache_size=-32768")
        self._conn = conn
        self._indexes_at_commit = indexes_at_commit(conn)
        refresh_statistics(conn)

    async def close(self) -> None:
        await self._acquire()
        try:
            if self._group is not None:
                self._commit_group()
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        finally:
            self._lock.release()

    def _connected(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._writing_turn():
            conn = self._connected()
            group = self._group
            assert group is not None
            conn.execute("SAVEPOINT tx")
            try:
                yield SqliteConnection(conn)
            except BaseException:
                self._undo(conn)
                raise
            conn.execute("RELEASE tx")
            self._group_size += 1
        await group

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        await self._acquire()
        try:
            yield SqliteConnection(self._connected())
        finally:
            self._release()

    @asynccontextmanager
    async def _writing_turn(self) -> AsyncIterator[None]:
        """A turn inside an open group. While another process holds the write lock,
        wait without holding the turn (readers go on), up to lock_wait, then 503."""
        deadline = time.monotonic() + self.lock_wait
        pause = 0.001
        while True:
            await self._acquire()
            if self._group is not None or self._begin_group():
                break
            self._release()
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unavailable("The database is busy, try again")
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, 0.05)
        try:
            yield
        finally:
            self._release()

    def _begin_group(self) -> bool:
        """BEGIN IMMEDIATE: the write lock up front, so processes sharing the file
        serialise instead of failing mid-way. False while another process holds it
        (SQLite's own busy wait would block the event loop: not used here)."""
        conn = self._connected()
        conn.execute("PRAGMA busy_timeout=0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            return False
        finally:
            conn.execute(f"PRAGMA busy_timeout={BLIP_MS}")
        self._group = asyncio.get_running_loop().create_future()
        return True

    async def _acquire(self) -> None:
        self._queued += 1
        try:
            await self._lock.acquire()
        finally:
            self._queued -= 1

    def _release(self) -> None:
        if self._group_size >= MAX_GROUP:
            self._commit_group()
        elif self._group is not None and not self._queued:
            asyncio.get_running_loop().call_soon(self._commit_if_idle, self._group, 1)
        self._lock.release()

    def _commit_if_idle(self, group: "asyncio.Future[None]", turns: int = 0) -> None:
        """The COMMIT waits `turns` more turns of the event loop: a request the loop
        reads in the meantime reaches its transaction first and joins the group (from
        one turn, a Series create on SQLite took 18% less CPU under 16 connections)."""
        if self._group is not group or self._lock.locked():
            return
        if turns:
            asyncio.get_running_loop().call_soon(self._commit_if_idle, group, turns - 1)
        else:
            self._commit_group()

    def _undo(self, conn: sqlite3.Connection) -> None:
        """Rolls back one transaction of the group. Some errors (a full disk, I/O)
        make SQLite roll back the whole outer transaction: then the group has failed."""
        if conn.in_transaction:
            conn.execute("ROLLBACK TO tx")
            conn.execute("RELEASE tx")
            return
        self._end_group(sqlite3.OperationalError("the transaction was rolled back"))

    def _commit_group(self) -> None:
        try:
            if self._indexes_at_commit:
                index_pending(self._connected())
            self._connected().execute("COMMIT")
        except sqlite3.Error as error:
            if self._connected().in_transaction:
                self._connected().execute("ROLLBACK")
            self._end_group(error)
            return
        self._end_group(None)

    def _end_group(self, error: BaseException | None) -> None:
        group, self._group, self._group_size = self._group, None, 0
        if group is None or group.done():
            return
        if error is None:
            group.set_result(None)
        else:
            group.set_exception(error)
            group.exception()  # its members raise it; with none left, nothing to log

    def pool_use(self) -> PoolUse:
        size = 0 if self._conn is None else 1
        return PoolUse(size, int(self._lock.locked()), 1)


async def _nothing_left_in_the_session(conn: "asyncpg.Connection[asyncpg.Record]") -> None:
    """What a connection needs before it goes back to the pool, after asyncpg's own
    reset (an open transaction rolled back, listeners dropped): nothing. ticketd keeps
    no state in a session but the settings every connection starts with
    (`_for_short_statements`), SET LOCAL and transaction-level advisory locks (the
    server's session lock is on a connection of its own), so asyncpg's default
    `RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); CLOSE ALL` was a round
    trip per release for nothing: two per Series create."""


async def _for_short_statements(conn: "asyncpg.Connection[asyncpg.Record]") -> None:
    """Each new connection's session, once. ticketd's statements are short, but
    PostgreSQL plans by its estimates, which can be far off for a trigram search (a word
    in 20 messages of 5,000,000 guessed at 198,000): it then compiled the plan (JIT,
    ~9 ms) and started parallel workers (~4 ms) for a lookup of 0.3 ms, in every request
    that searched. Set as startup parameters, these would be refused by a pgbouncer not
    told to ignore them; behind a transaction pooler a session setting does not stick,
    so there they belong on the database (docs/operations.md, Behind pgbouncer)."""
    await conn.execute("SET jit = off; SET max_parallel_workers_per_gather = 0")


class PostgresConnection:
    def __init__(
        self, conn: "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"
    ) -> None:
        self._conn = conn

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        return await self._conn.fetchrow(sql, *args)

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        return await self._conn.fetch(sql, *args)

    async def fetch_with_custom_plan(self, sql: str, *args: Any) -> Sequence[Row]:
        """Planned for these very values, every time. A cached prepared statement
        switches to a generic plan after five runs, which for searches whose best plan
        depends on the values (a rare tag, a common word) can be a hundred times slower."""
        statement = await self._conn.prepare(sql)
        return await statement.fetch(*args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._conn.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> int:
        status = await self._conn.execute(sql, *args)
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)


class TransactionPooledConnection(PostgresConnection):
    """Behind a transaction-pooling pgbouncer, whose client connections take turns on a
    few server connections: a named prepared statement would be left on a server
    connection another client gets next, and be missing from the one this client gets
    next. With no statement cache asyncpg sends every statement unnamed, parsed again
    at each run, which PostgreSQL plans for the values given; so a plain fetch is
    already planned for these very values."""

    async def fetch_with_custom_plan(self, sql: str, *args: Any) -> Sequence[Row]:
        return await self._conn.fetch(sql, *args)


# PostgreSQL unreachable (refused, reset, shutting down, starting up) or gone during a
# statement: what `_reachable` turns into Unavailable.
CONNECTION_LOST: tuple[type[BaseException], ...] = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)
# Acquiring, a connect may also time out.
CONNECTION_LOST_OR_SLOW: tuple[type[BaseException], ...] = (*CONNECTION_LOST, TimeoutError)
CONNECT_TIMEOUT_SECONDS = 1.0  # a new connection, so a request answers 503 within a second
_log = logging.getLogger("ticketd.db")


def _unavailable(error: BaseException) -> Unavailable:
    detail = " ".join(str(error).split())[:160]
    _log.warning("database unavailable: %s: %s", type(error).__name__, detail)
    return Unavailable("The database is unavailable, try again")


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, dsn: str, *, pool_size: int, transaction_pooling: bool = False) -> None:
        self.dsn = dsn
        self.pool_size = pool_size
        self.transaction_pooling = transaction_pooling
        self._connection_class = (
            TransactionPooledConnection if transaction_pooling else PostgresConnection
        )
        self._pool: asyncpg.Pool | None = None

    async def connect(self) -> None:
        # Nothing here holds state in the session beyond a transaction (SET LOCAL and
        # transaction-level advisory locks only), so only the statement cache differs.
        cache_size = 0 if self.transaction_pooling else 512
        self._pool = await asyncpg.create_pool(
            self.dsn,
            # No floor to keep: asyncpg restores one in the background, and logs a
            # traceback for every failed try while the database is away.
            min_size=0,
            max_size=self.pool_size,
            statement_cache_size=cache_size,
            timeout=CONNECT_TIMEOUT_SECONDS,
            reset=_nothing_left_in_the_session,
            init=None if self.transaction_pooling else _for_short_statements,
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def _connected(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not connected")
        return self._pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._reachable() as conn, conn.transaction():
            yield self._connection_class(conn)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        async with self._reachable() as conn:
            yield self._connection_class(conn)

    @asynccontextmanager
    async def _reachable(self) -> AsyncIterator["PoolConnectionProxy[asyncpg.Record]"]:
        """A pooled connection. While PostgreSQL cannot be reached, or when it goes
        away during the work, Unavailable (503 in every API) with one log line rather
        than a traceback; the pool connects afresh once it is back."""
        pool = self._connected()
        try:
            conn = await pool.acquire()
        except CONNECTION_LOST_OR_SLOW as error:
            raise _unavailable(error) from None
        try:
            yield conn
        except CONNECTION_LOST as error:
            raise _unavailable(error) from None
        finally:
            await pool.release(conn)

    def pool_use(self) -> PoolUse:
        if self._pool is None:
            return PoolUse(0, 0, self.pool_size)
        size = self._pool.get_size()
        return PoolUse(size, size - self._pool.get_idle_size(), self.pool_size)
