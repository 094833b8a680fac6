"""The floor: the least work a Series create or get can do, as a raw ASGI app.

`python bench/floor_app.py DATABASE_URL PORT CREATE_BYTES GET_BYTES SEED_ROWS` serves
`POST /tickets/create` (parse the same JSON with orjson, insert the ticket and its first
message in one transaction) and `GET /tickets/get/{TicketId}` (one query, through the
TicketId's unique index, as the issue's floor asks), through the
same server, event loop and database driver as `ticketd serve`, answering with bodies
of the same length as ticketd's. It starts with SEED_ROWS tickets for the gets to find.
ticketd ÷ floor is then what our stack costs."""

import sqlite3
import sys
import time
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import orjson
import uvicorn

SQLITE_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS floor_tickets (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
    " subject TEXT NOT NULL,"
    " category TEXT NOT NULL, priority TEXT NOT NULL, author_user_id INTEGER NOT NULL,"
    " author_username TEXT, author_display_name TEXT, author_avatar_url TEXT,"
    " created_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_messages (id INTEGER PRIMARY KEY,"
    " ticket_id INTEGER NOT NULL REFERENCES floor_tickets(id), content TEXT NOT NULL,"
    " created_at REAL NOT NULL)",
]
POSTGRES_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS floor_tickets (id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
    " subject TEXT NOT NULL,"
    " category TEXT NOT NULL, priority TEXT NOT NULL, author_user_id BIGINT NOT NULL,"
    " author_username TEXT, author_display_name TEXT, author_avatar_url TEXT,"
    " created_at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_messages (id BIGSERIAL PRIMARY KEY,"
    " ticket_id BIGINT NOT NULL REFERENCES floor_tickets(id), content TEXT NOT NULL,"
    " created_at DOUBLE PRECISION NOT NULL)",
]
INSERT_TICKET = (
    "INSERT INTO floor_tickets (code, subject, category, priority, author_user_id,"
    " author_username, author_display_name, author_avatar_url, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
)
INSERT_MESSAGE = "INSERT INTO floor_messages (ticket_id, content, created_at) VALUES ($1, $2, $3)"
SELECT_TICKET = "SELECT * FROM floor_tickets WHERE code = $1"


def padded(data: dict[str, Any], size: int) -> bytes:
    """The envelope around `data`, padded with one filler field to `size` bytes."""
    body = orjson.dumps({"success": True, "data": {**data, "pad": ""}})
    return body[:-3] + b"x" * max(0, size - len(body)) + b'"}}'


def floor_code(n: int) -> str:
    """The n-th ticket's TicketId: a counter, cheaper than ticketd's random part, as long
    as ticketd's `TICKET-<seconds>-<4 chars>`."""
    return f"TICKET-{n:015d}"


class Codes:
    """TicketIds in the order the floor makes them, from 1 in each fresh database."""

    def __init__(self) -> None:
        self.made = 0

    def next(self) -> str:
        self.made += 1
        return floor_code(self.made)


def ticket_values(code: str, payload: dict[str, Any]) -> tuple[Any, ...]:
    return (
        code,
        payload["subject"],
        payload["category"],
        payload.get("priority", "medium"),
        payload["authorUserId"],
        payload.get("authorUsername"),
        payload.get("authorDisplayName"),
        payload.get("authorAvatarUrl"),
        time.time(),
    )


SEED_TICKET = {
    "subject": "Help with ranking",
    "category": "support",
    "priority": "medium",
    "message": "I need help getting ranked in the group",
    "authorUserId": 123456789,
    "authorUsername": "player123",
    "authorDisplayName": "Player Name",
    "authorAvatarUrl": "https://tr.rbxcdn.com/avatar-url",
}


class SqliteStore:
    def __init__(self, path: str) -> None:
        self.codes = Codes()
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=10000",
            "foreign_keys=ON",
            "cache_size=-65536",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        for statement in SQLITE_SCHEMA:
            self.conn.execute(statement)

    async def seed(self, rows: int) -> None:
        for _ in range(rows):
            await self.create(SEED_TICKET)

    async def create(self, payload: dict[str, Any]) -> str:
        conn, code = self.conn, self.codes.next()
        conn.execute("BEGIN IMMEDIATE")
        ticket_id: int = conn.execute(
            INSERT_TICKET.replace("$", "?"), ticket_values(code, payload)
        ).fetchone()[0]
        conn.execute(INSERT_MESSAGE.replace("$", "?"), (ticket_id, payload["message"], time.time()))
        conn.execute("COMMIT")
        return code

    async def get(self, code: str) -> dict[str, Any] | None:
        cursor = self.conn.execute(SELECT_TICKET.replace("$", "?"), (code,))
        row = cursor.fetchone()
        return (
            None if row is None else dict(zip([c[0] for c in cursor.description], row, strict=True))
        )


class PostgresStore:
    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.codes = Codes()

    @classmethod
    async def open(cls, url: str) -> "PostgresStore":
        pool = await asyncpg.create_pool(url, min_size=1, max_size=10)
        async with pool.acquire() as conn:
            for statement in POSTGRES_SCHEMA:
                await conn.execute(statement)
        return cls(pool)

    async def seed(self, rows: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            for _ in range(rows):
                values = ticket_values(self.codes.next(), SEED_TICKET)
                ticket_id = await conn.fetchval(INSERT_TICKET, *values)
                await conn.execute(INSERT_MESSAGE, ticket_id, SEED_TICKET["message"], time.time())

    async def create(self, payload: dict[str, Any]) -> str:
        code = self.codes.next()
        async with self.pool.acquire() as conn, conn.transaction():
            ticket_id: int = await conn.fetchval(INSERT_TICKET, *ticket_values(code, payload))
            await conn.execute(INSERT_MESSAGE, ticket_id, payload["message"], time.time())
        return code

    async def get(self, code: str) -> dict[str, Any] | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(SELECT_TICKET, code)
        return None if row is None else dict(row)


class FloorApp:
    def __init__(self, url: str, create_bytes: int, get_bytes: int, seed_rows: int) -> None:
        self.url, self.create_bytes, self.get_bytes = url, create_bytes, get_bytes
        self.seed_rows = seed_rows
        self.store: SqliteStore | PostgresStore | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        elif scope["method"] == "POST":
            await self.create(receive, send)
        else:
            await self.get(scope, send)

    async def lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.store = (
                    SqliteStore(self.url.removeprefix("sqlite:///"))
                    if self.url.startswith("sqlite")
                    else await PostgresStore.open(self.url)
                )
                await self.store.seed(self.seed_rows)
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def create(self, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        assert self.store is not None
        code = await self.store.create(orjson.loads(body))
        await answer(send, 200, padded({"TicketId": code}, self.create_bytes))

    async def get(self, scope: dict[str, Any], send: Any) -> None:
        assert self.store is not None
        row = await self.store.get(scope["path"].rsplit("/", 1)[-1])
        if row is None:
            await answer(send, 404, b'{"success":false}')
            return
        await answer(send, 200, padded(row, self.get_bytes))


async def answer(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    url, port, create_bytes, get_bytes, seed_rows = sys.argv[1], *map(int, sys.argv[2:6])
    app = FloorApp(url, create_bytes, get_bytes, seed_rows)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
