"""Bulk writing into PostgreSQL: COPY (asyncpg copy_records_to_table) in large
transactions, with the loaded tables' secondary indexes (the pg_trgm search indexes of
migration 0007 among them) dropped during the load and rebuilt from their own
definitions (pg_indexes.indexdef) afterwards; then the id sequences moved past the
copied ids, and ANALYZE."""

import contextlib

import asyncpg

from bench.load_life import Counters
from bench.load_tables import DbColumn, Row, TableShape, shape_for
from ticketd.db.database import asyncpg_dsn

LOADED = ["tickets", "messages", "events", "ticket_tags", "ticket_field_values", "people"]
WITH_SEQUENCES = ("tickets", "messages", "events", "people")


class PostgresWriter:
    dialect = "postgresql"

    def __init__(self, url: str, constants: Row) -> None:
        self.dsn = asyncpg_dsn(url)
        self.constants = constants
        self.shapes: dict[str, TableShape] = {}
        self.saved_indexes: dict[str, str] = {}
        self.conn: asyncpg.Connection | None = None

    def _connected(self) -> asyncpg.Connection:
        assert self.conn is not None, "prepare() first"
        return self.conn

    async def prepare(self) -> None:
        self.conn = conn = await asyncpg.connect(self.dsn)
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        # Foreign keys are checked by row triggers; replica mode skips them for this
        # session (the rows are consistent by construction; tests/test_bulk_load.py checks).
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET session_replication_role = replica")
        rows = await conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
            " AND i.tablename = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            # a key's own index, or the unique index a foreign key references
            " WHERE c.conindid = format('%I', i.indexname)::regclass)",
            LOADED,
        )
        self.saved_indexes = {r["indexname"]: r["indexdef"] for r in rows}
        async with conn.transaction():
            for name in self.saved_indexes:
                await conn.execute(f'DROP INDEX "{name}"')

    async def next_ids(self) -> Counters:
        conn = self._connected()

        async def after(table: str) -> int:
            return int(await conn.fetchval(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))

        first = Counters(await after("tickets"), await after("messages"), await after("events"))
        last = await conn.fetchrow(
            "SELECT tickets, messages FROM workspace_numbers WHERE workspace_id = $1",
            self.constants["workspace_id"],
        )
        tickets, messages = (last[0], last[1]) if last else (0, 0)
        first.ticket_offset = tickets + 1 - first.ticket
        first.message_offset = messages + 1 - first.message
        return first

    async def _shape(self, table: str, sample: Row) -> TableShape:
        if table not in self.shapes:
            rows = await self._connected().fetch(
                "SELECT column_name, is_nullable = 'NO' AND column_default IS NULL AS required"
                " FROM information_schema.columns WHERE table_schema = 'public'"
                " AND table_name = $1 ORDER BY ordinal_position",
                table,
            )
            columns = [DbColumn(r["column_name"], r["required"]) for r in rows]
            self.shapes[table] = shape_for(table, columns, sample, self.constants)
        return self.shapes[table]

    async def write(self, tables: dict[str, list[Row]]) -> None:
        """All rows of a batch of tickets in one transaction."""
        conn = self._connected()
        async with conn.transaction():
            for table, rows in tables.items():
                if rows:
                    shape = await self._shape(table, rows[0])
                    await conn.copy_records_to_table(
                        table, records=shape.tuples(rows), columns=list(shape.columns)
                    )

    async def finish(self, first: Counters, workspace_id: str, recount: list[str]) -> None:
        conn = self._connected()
        async with conn.transaction():
            for table in WITH_SEQUENCES:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            for sql in recount:
                await conn.execute(sql, workspace_id)

    async def restore(self) -> None:
        """Whatever happened: every index back, then fresh statistics."""
        conn = self.conn
        if conn is None:
            return
        present = {r[0] for r in await conn.fetch("SELECT indexname FROM pg_indexes")}
        for name, definition in self.saved_indexes.items():
            if name not in present:
                await conn.execute(definition)
        await conn.execute("RESET session_replication_role")
        await conn.execute("ANALYZE")

    async def disconnect(self) -> None:
        if self.conn is not None:
            await self.conn.close()

    async def size_bytes(self) -> int:
        conn = self._connected()
        return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
