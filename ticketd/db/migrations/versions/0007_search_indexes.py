"""search indexes: substring search over tickets (subject and author names) and
published messages that does not read every row: SQLite FTS5 trigram tables kept
current by triggers, PostgreSQL pg_trgm GIN indexes; an index and (PostgreSQL)
statistics for "claimed by"

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Joined by line breaks, which a search text never holds, so no match spans two fields.
TICKET_TEXT = (
    "{t}.subject || '\n' || coalesce({t}.author_username, '')"
    " || '\n' || coalesce({t}.author_display_name, '')"
)
SQLITE = [
    "CREATE VIRTUAL TABLE ticket_search USING fts5(text, tokenize='trigram', detail='none')",
    f"INSERT INTO ticket_search (rowid, text) SELECT id, {TICKET_TEXT.format(t='tickets')}"
    " FROM tickets",
    "CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN"
    f" INSERT INTO ticket_search (rowid, text) VALUES (new.id, {TICKET_TEXT.format(t='new')});"
    " END",
    "CREATE TRIGGER ticket_search_update"
    " AFTER UPDATE OF subject, author_username, author_display_name ON tickets BEGIN"
    f" UPDATE ticket_search SET text = {TICKET_TEXT.format(t='new')} WHERE rowid = new.id;"
    " END",
    "CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN"
    " DELETE FROM ticket_search WHERE rowid = old.id; END",
    # External content: the index reads message text from `messages` itself.
    "CREATE VIRTUAL TABLE message_search USING fts5(content, content='messages',"
    " content_rowid='id', tokenize='trigram', detail='none')",
    "INSERT INTO message_search (rowid, content) SELECT id, content FROM messages"
    " WHERE NOT is_draft",
    "CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN NOT new.is_draft"
    " BEGIN INSERT INTO message_search (rowid, content) VALUES (new.id, new.content); END",
    # One trigger, so the old text leaves the index before the new one enters (SQLite
    # runs separate triggers newest first, and a delete after the insert would take the
    # trigrams both texts share).
    "CREATE TRIGGER message_search_update AFTER UPDATE OF content, is_draft ON messages BEGIN"
    " INSERT INTO message_search (message_search, rowid, content)"
    " SELECT 'delete', old.id, old.content WHERE NOT old.is_draft;"
    " INSERT INTO message_search (rowid, content)"
    " SELECT new.id, new.content WHERE NOT new.is_draft; END",
    "CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN NOT old.is_draft"
    " BEGIN INSERT INTO message_search (message_search, rowid, content)"
    " VALUES ('delete', old.id, old.content); END",
]
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_tickets_search ON tickets USING gin"
    f" ((lower({TICKET_TEXT.format(t='tickets')})) gin_trgm_ops)",
    "CREATE INDEX ix_messages_search ON messages USING gin (lower(content) gin_trgm_ops)"
    " WHERE NOT is_draft",
    # Who holds a ticket and its status go together (open tickets are held by nobody):
    # without this, "held by me and open" looks common and the planner scans the table.
    "CREATE STATISTICS st_tickets_assignee_status (mcv, dependencies)"
    " ON assignee_guid, status FROM tickets",
]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)
    op.create_index(
        "ix_tickets_workspace_assignee",
        "tickets",
        ["workspace_id", "assignee_guid", "status", "last_thread_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_workspace_assignee", "tickets")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS st_tickets_assignee_status")
        op.execute("DROP INDEX ix_messages_search")
        op.execute("DROP INDEX ix_tickets_search")
        return
    for table in ("ticket_search", "message_search"):
        for change in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {table}_{change}")
    op.execute("DROP TABLE message_search")
    op.execute("DROP TABLE ticket_search")
