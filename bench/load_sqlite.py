"""Bulk writing into SQLite: executemany in large transactions, with the secondary
indexes and the search triggers (migration 0007) set aside during the load and put back
afterwards from their own stored SQL, so they are exactly what the migration made.

The triggers' work is then done with one INSERT … SELECT each, built from the saved
trigger itself (its WHEN and VALUES over the table aliased `new`): the same rows the
triggers would have written one by one, into the tables that note rows to index (0013),
which ticketd's own index_pending then indexes, as before any COMMIT of ticketd's."""

import re
import sqlite3

from bench.load_life import Counters
from bench.load_tables import DbColumn, LoadError, Row, TableShape, shape_for
from ticketd.db.database import sqlite_path
from ticketd.db.search_index import index_pending

NUMBERS = "SELECT tickets, messages FROM workspace_numbers WHERE workspace_id = ?"
LOADED = ("tickets", "messages", "events", "ticket_tags", "ticket_field_values", "people")
SEARCH_TRIGGERS = ("ticket_search_insert", "message_search_insert")
# Only for the load; restored (or, being per connection, gone) when it ends.
LOAD_PRAGMAS = (
    "busy_timeout=10000",
    "synchronous=OFF",
    "cache_size=-524288",
    "temp_store=MEMORY",
    "foreign_keys=OFF",
)
_INSERT_TRIGGER = re.compile(
    r"AFTER INSERT ON (?P<table>\w+)(?: WHEN (?P<when>.*?))?\s+BEGIN\s+"
    r"(?P<insert>INSERT INTO \w+ \([^)]*\)) VALUES \((?P<values>.*)\);\s*END$",
    re.S | re.I,
)


class SqliteWriter:
    dialect = "sqlite"

    def __init__(self, url: str, constants: Row) -> None:
        self.conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
        self.constants = constants
        self.shapes: dict[str, TableShape] = {}
        self.saved_indexes: list[str] = []
        self.saved_triggers: dict[str, str] = {}

    async def prepare(self) -> None:
        for pragma in LOAD_PRAGMAS:
            self.conn.execute(f"PRAGMA {pragma}")
        self.saved_indexes = self._sql_of("index", f"tbl_name IN {LOADED} AND sql IS NOT NULL")
        names = ", ".join(f"'{t}'" for t in SEARCH_TRIGGERS)
        for name, sql in self.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
        ):
            self.saved_triggers[name] = sql
        self.conn.execute("BEGIN")
        for sql in self.saved_indexes:
            self.conn.execute(f"DROP INDEX {_index_name(sql)}")
        for name in self.saved_triggers:
            self.conn.execute(f"DROP TRIGGER {name}")
        self.conn.execute("COMMIT")

    def _sql_of(self, kind: str, where: str) -> list[str]:
        rows = self.conn.execute(f"SELECT sql FROM sqlite_master WHERE type = '{kind}' AND {where}")
        return [r[0] for r in rows]

    async def next_ids(self) -> Counters:
        def after(table: str) -> int:
            return int(
                self.conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0]
            )

        last = self.conn.execute(NUMBERS, (self.constants["workspace_id"],)).fetchone()
        tickets, messages = last or (0, 0)
        first = Counters(after("tickets"), after("messages"), after("events"))
        first.ticket_offset = tickets + 1 - first.ticket
        first.message_offset = messages + 1 - first.message
        return first

    def _columns(self, table: str) -> list[DbColumn]:
        info = self.conn.execute(f"PRAGMA table_info({table})").fetchall()
        # An INTEGER PRIMARY KEY is NOT NULL in effect but filled by SQLite itself.
        return [DbColumn(r[1], bool(r[3]) and r[4] is None and not r[5]) for r in info]

    def _shape(self, table: str, sample: Row) -> TableShape:
        if table not in self.shapes:
            self.shapes[table] = shape_for(table, self._columns(table), sample, self.constants)
        return self.shapes[table]

    async def write(self, tables: dict[str, list[Row]]) -> None:
        """All rows of a batch of tickets in one transaction."""
        self.conn.execute("BEGIN")
        try:
            for table, rows in tables.items():
                if rows:
                    shape = self._shape(table, rows[0])
                    marks = ", ".join("?" * len(shape.columns))
                    self.conn.executemany(
                        f"INSERT INTO {table} ({', '.join(shape.columns)}) VALUES ({marks})",
                        shape.tuples(rows),
                    )
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    async def finish(self, first: Counters, workspace_id: str, recount: list[str]) -> None:
        """Search tables filled for the new rows, then triggers and indexes put back."""
        self.conn.execute("BEGIN")
        for name, sql in self.saved_triggers.items():
            self.conn.execute(_fill_from_trigger(sql, name), (_first_id(name, first),))
        index_pending(self.conn)
        for sql in recount:
            self.conn.execute(sql.replace("$1", "?1"), (workspace_id,))
        self.conn.execute("COMMIT")

    async def restore(self) -> None:
        """Whatever happened: every trigger and index back (the PRAGMAs were this
        connection's own and end with it). No ANALYZE: ticketd runs its own when it
        opens the database (ticketd.db.database.refresh_statistics), as for any other."""
        conn = self.conn
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        for name, sql in self.saved_triggers.items():
            if name not in present:
                conn.execute(sql)
        for sql in self.saved_indexes:
            if _index_name(sql) not in present:
                conn.execute(sql)

    async def disconnect(self) -> None:
        self.conn.close()

    async def size_bytes(self) -> int:
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        return int(pages * self.conn.execute("PRAGMA page_size").fetchone()[0])


def _index_name(create_sql: str) -> str:
    found = re.match(r"CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?\"?(\w+)\"?", create_sql, re.I)
    if found is None:
        raise LoadError(f"cannot read the index name of {create_sql!r}")
    return found.group(1)


def _first_id(trigger: str, first: Counters) -> int:
    return first.ticket if trigger.startswith("ticket") else first.message


def _fill_from_trigger(sql: str, name: str) -> str:
    """The trigger's INSERT for every row from a given id, in one statement."""
    found = _INSERT_TRIGGER.search(sql)
    if found is None:
        raise LoadError(f"trigger {name} is not the one-INSERT trigger the loader knows: {sql}")
    when = f"({found['when']}) AND " if found["when"] else ""
    return (
        f"{found['insert']} SELECT {found['values']} FROM {found['table']} AS new"
        f" WHERE {when}new.id >= ? ORDER BY new.id"
    )
