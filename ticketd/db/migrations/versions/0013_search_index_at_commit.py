"""search index at commit: on SQLite, new tickets and messages (and edited messages)
enter the FTS5 search tables once per COMMIT instead of once per transaction; their
triggers note the row in `ticket_search_pending` / `message_search_pending` and
ticketd/db/search_index.py indexes those rows before the COMMIT. PostgreSQL: unchanged

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANGED = (
    "ticket_search_insert",
    "ticket_search_delete",
    "message_search_insert",
    "message_search_update",
    "message_search_delete",
)
# A row still pending is in no search table: nothing to take out of one. The external
# content table `message_search` must only be told to delete what it holds, or its
# index goes wrong.
MESSAGE_INDEXED = (
    "NOT {m}.is_draft AND NOT EXISTS (SELECT 1 FROM message_search_pending WHERE id = {m}.id)"
)
PENDING_TRIGGERS = [
    "CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN"
    " INSERT INTO ticket_search_pending (id) VALUES (new.id); END",
    # An update of a pending ticket changes no row of ticket_search (0007's trigger, kept):
    # the text is read when the ticket is indexed.
    "CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN"
    " DELETE FROM ticket_search WHERE rowid = old.id;"
    " DELETE FROM ticket_search_pending WHERE id = old.id; END",
    "CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN NOT new.is_draft"
    " BEGIN INSERT INTO message_search_pending (id) VALUES (new.id); END",
    "CREATE TRIGGER message_search_update AFTER UPDATE OF content, is_draft ON messages BEGIN"
    " INSERT INTO message_search (message_search, rowid, content)"
    f" SELECT 'delete', old.id, old.content WHERE {MESSAGE_INDEXED.format(m='old')};"
    " INSERT OR IGNORE INTO message_search_pending (id)"
    " SELECT new.id WHERE NOT new.is_draft; END",
    "CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN"
    " INSERT INTO message_search (message_search, rowid, content)"
    f" SELECT 'delete', old.id, old.content WHERE {MESSAGE_INDEXED.format(m='old')};"
    " DELETE FROM message_search_pending WHERE id = old.id; END",
]
# Frozen copies of 0007's triggers, for the downgrade.
TICKET_TEXT = (
    "new.subject || '\n' || coalesce(new.author_username, '')"
    " || '\n' || coalesce(new.author_display_name, '')"
)
ROW_BY_ROW_TRIGGERS = [
    "CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN"
    f" INSERT INTO ticket_search (rowid, text) VALUES (new.id, {TICKET_TEXT}); END",
    "CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN"
    " DELETE FROM ticket_search WHERE rowid = old.id; END",
    "CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN NOT new.is_draft"
    " BEGIN INSERT INTO message_search (rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER message_search_update AFTER UPDATE OF content, is_draft ON messages BEGIN"
    " INSERT INTO message_search (message_search, rowid, content)"
    " SELECT 'delete', old.id, old.content WHERE NOT old.is_draft;"
    " INSERT INTO message_search (rowid, content)"
    " SELECT new.id, new.content WHERE NOT new.is_draft; END",
    "CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN NOT old.is_draft"
    " BEGIN INSERT INTO message_search (message_search, rowid, content)"
    " VALUES ('delete', old.id, old.content); END",
]
# Frozen copy of ticketd/db/search_index.py's statements, for the downgrade.
INDEX_PENDING = [
    f"INSERT INTO ticket_search (rowid, text) SELECT new.id, {TICKET_TEXT} FROM tickets new"
    " WHERE new.id IN (SELECT id FROM ticket_search_pending)",
    "INSERT INTO message_search (rowid, content) SELECT id, content FROM messages"
    " WHERE id IN (SELECT id FROM message_search_pending) AND NOT is_draft",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in ("ticket_search_pending", "message_search_pending"):
        op.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
    _replace_triggers(PENDING_TRIGGERS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in INDEX_PENDING:
        op.execute(statement)
    _replace_triggers(ROW_BY_ROW_TRIGGERS)
    for table in ("ticket_search_pending", "message_search_pending"):
        op.execute(f"DROP TABLE {table}")


def _replace_triggers(triggers: list[str]) -> None:
    for name in CHANGED:
        op.execute(f"DROP TRIGGER {name}")
    for statement in triggers:
        op.execute(statement)
