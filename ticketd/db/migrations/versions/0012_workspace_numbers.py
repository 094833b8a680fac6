"""numbers within the workspace: tickets, messages, categories, custom fields and
departments get `number` (1, 2, 3… per workspace, in the order of their row ids), the
integer id the helpdesk API shows, so that no workspace learns how many rows the
others have; `workspace_numbers` keeps each workspace's last number of each kind

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBERED = ("tickets", "messages", "categories", "custom_fields", "departments")


def upgrade() -> None:
    op.create_table(
        "workspace_numbers",
        sa.Column(
            "workspace_id",
            sa.String(36),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        *[sa.Column(t, sa.BigInteger(), nullable=False, server_default="0") for t in NUMBERED],
    )
    for table in NUMBERED:
        _number(table)
    op.add_column("messages", sa.Column("parent_number", sa.BigInteger()))
    op.execute(
        "UPDATE messages SET parent_number = p.number FROM messages AS p"
        " WHERE p.workspace_id = messages.workspace_id AND p.id = messages.parent_id"
    )
    lasts = ", ".join(
        f"COALESCE((SELECT MAX(number) FROM {t} WHERE workspace_id = w.id), 0)" for t in NUMBERED
    )
    op.execute(
        f"INSERT INTO workspace_numbers (workspace_id, {', '.join(NUMBERED)})"
        f" SELECT w.id, {lasts} FROM workspaces w"
    )


def _number(table: str) -> None:
    """Adds `number` and numbers the rows of each workspace in row id order. SQLite adds
    a NOT NULL column only with a default, so the column gets one while it is filled;
    PostgreSQL then drops it (SQLite cannot without rebuilding the table)."""
    op.add_column(table, sa.Column("number", sa.BigInteger(), nullable=False, server_default="0"))
    postgresql = op.get_bind().dialect.name == "postgresql"
    rebuilt = _drop_search_index(table) if postgresql else None
    op.execute(
        f"UPDATE {table} SET number = n.rn FROM (SELECT workspace_id, id, ROW_NUMBER()"
        " OVER (PARTITION BY workspace_id ORDER BY id) AS rn FROM"
        f" {table}) AS n WHERE {table}.workspace_id = n.workspace_id AND {table}.id = n.id"
    )
    if rebuilt:
        op.execute(rebuilt)
    if postgresql:
        op.alter_column(table, "number", server_default=None)
    op.create_index(f"uq_{table}_number", table, ["workspace_id", "number"], unique=True)


def _drop_search_index(table: str) -> str | None:
    """Drops the table's pg_trgm index (migration 0007), if it has one, and returns the
    statement that makes it again: the update writes a new version of every row, and
    building the index once afterwards costs a fifth of updating it row by row (0.7 s
    against 3.5 s for 100,000 tickets)."""
    name = f"ix_{table}_search"
    found = op.get_bind().execute(
        sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": name}
    )
    definition = found.scalar()
    if definition is not None:
        op.execute(f"DROP INDEX {name}")
    return definition


def downgrade() -> None:
    op.execute("ALTER TABLE messages DROP COLUMN parent_number")
    for table in NUMBERED:
        op.drop_index(f"uq_{table}_number", table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN number")
    op.drop_table("workspace_numbers")
