"""SQLite's search tables (FTS5, migration 0007) written once per COMMIT rather than once
per transaction.

FTS5 writes its buffered terms out as a new index segment at every savepoint, and
every transaction of a group commit runs in one (ticketd/db/database.py): indexing each
new row from its insert trigger cost a segment per request, and the merging of all
those segments. Since migration 0013 the insert triggers only note the new row's id in
a `*_search_pending` table, and `index_pending` indexes those rows just before the
group's COMMIT, outside every savepoint, one INSERT … SELECT per table. The COMMIT
makes rows and their index entries visible together, so a search never misses a
committed row written through `Database`; a process writing rows by other means calls
`index_pending` before its own COMMIT (as bench/load_sqlite.py does)."""

import sqlite3

# A ticket's searched text: the subject and the author's names joined by line breaks,
# which a search text never holds, so no match spans two fields (as in migration 0007).
TICKET_TEXT = (
    "subject || '\n' || coalesce(author_username, '') || '\n' || coalesce(author_display_name, '')"
)
# Searches compare it in lower case: exactly the expression migration 0007 indexes on
# PostgreSQL, or the planner cannot use that index (tests/tickets/test_queries.py).
LOWER_TICKET_TEXT = f"lower({TICKET_TEXT})"
# The pending ids are read as an IN list: as a join, SQLite may scan the whole table first.
INDEX_PENDING = (
    f"INSERT INTO ticket_search (rowid, text) SELECT id, {TICKET_TEXT} FROM tickets"
    " WHERE id IN (SELECT id FROM ticket_search_pending)",
    "DELETE FROM ticket_search_pending",
    "INSERT INTO message_search (rowid, content) SELECT id, content FROM messages"
    " WHERE id IN (SELECT id FROM message_search_pending) AND NOT is_draft",
    "DELETE FROM message_search_pending",
)


def index_pending(conn: sqlite3.Connection) -> None:
    """Inside the writer's open transaction: the rows noted since its last COMMIT."""
    for statement in INDEX_PENDING:
        conn.execute(statement)


def indexes_at_commit(conn: sqlite3.Connection) -> bool:
    """Whether the database has the tables of 0013 (every database ticketd serves does;
    some tests' own do not)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ticket_search_pending'"
    ).fetchone()
    return found is not None
