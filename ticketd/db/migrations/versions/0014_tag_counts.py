"""tag counts: how many tickets carry each tag per department and status, kept by triggers
on `ticket_tags` and `tickets` as ticket_counts (0009) is, so a tag's totals and counts
per status cost the same at a million tickets as at ten

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "(workspace_id, tag_id, department_key, status, slot)"
COLUMNS = "(workspace_id, tag_id, department_key, status, slot, n)"


def _tag_of(tag: str, delta: int, slot: str) -> str:
    """One ticket_tags row `tag` counted with its ticket's department and status."""
    return (
        f"SELECT {tag}.workspace_id, {tag}.tag_id, coalesce(t.department_key, ''), t.status,"
        f" {slot}, {delta} FROM tickets t"
        f" WHERE t.workspace_id = {tag}.workspace_id AND t.id = {tag}.ticket_id"
    )


def _tags_of(ticket: str, delta: int, slot: str) -> str:
    """Every tag of the ticket `ticket`, counted with that row's department and status."""
    return (
        f"SELECT tt.workspace_id, tt.tag_id, coalesce({ticket}.department_key, ''),"
        f" {ticket}.status, {slot}, {delta} FROM ticket_tags tt"
        f" WHERE tt.workspace_id = {ticket}.workspace_id AND tt.ticket_id = {ticket}.id"
    )


def _sqlite_add(rows: str) -> str:
    return (
        f"INSERT INTO tag_counts {COLUMNS} {rows}"
        f" ON CONFLICT {KEY} DO UPDATE SET n = n + excluded.n;"
    )


# A ticket's deletion counts its tags off before the row goes; the deletion of its
# ticket_tags rows that follows (ON DELETE CASCADE) then finds no ticket and counts
# nothing. ticketd never deletes a ticket; a workspace's deletion removes its counts.
SQLITE = [
    "CREATE TRIGGER tag_counts_tag_insert AFTER INSERT ON ticket_tags BEGIN"
    f" {_sqlite_add(_tag_of('new', 1, '0'))} END",
    "CREATE TRIGGER tag_counts_tag_delete AFTER DELETE ON ticket_tags BEGIN"
    f" {_sqlite_add(_tag_of('old', -1, '0'))} END",
    "CREATE TRIGGER tag_counts_ticket_update AFTER UPDATE OF status, department_key ON tickets"
    " WHEN old.status IS NOT new.status OR old.department_key IS NOT new.department_key BEGIN"
    f" {_sqlite_add(_tags_of('old', -1, '0'))} {_sqlite_add(_tags_of('new', 1, '0'))} END",
    "CREATE TRIGGER tag_counts_ticket_delete BEFORE DELETE ON tickets BEGIN"
    f" {_sqlite_add(_tags_of('old', -1, '0'))} END",
]

# As ticket_counts: each server process (backend) adds to its own slot. The rows of one
# change are written in key order, so two transactions sharing a slot cannot deadlock
# on them.
SLOT = "pg_backend_pid() % 16"


def _pg_add(rows: str) -> str:
    return (
        f"INSERT INTO tag_counts {COLUMNS} SELECT * FROM ({rows}) AS c ORDER BY 2, 3, 4"
        f" ON CONFLICT {KEY} DO UPDATE SET n = tag_counts.n + EXCLUDED.n;"
    )


POSTGRESQL = [
    "CREATE FUNCTION tag_counts_tag_change() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " IF TG_OP = 'INSERT' THEN"
    f"   {_pg_add(_tag_of('NEW', 1, SLOT))}"
    " ELSE"
    f"   {_pg_add(_tag_of('OLD', -1, SLOT))}"
    " END IF;"
    " RETURN NULL;"
    " END $$",
    "CREATE FUNCTION tag_counts_ticket_change() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " IF TG_OP = 'DELETE' THEN"
    f"   {_pg_add(_tags_of('OLD', -1, SLOT))}"
    "   RETURN OLD;"
    " END IF;"
    f" {_pg_add(_tags_of('OLD', -1, SLOT) + ' UNION ALL ' + _tags_of('NEW', 1, SLOT))}"
    " RETURN NULL;"
    " END $$",
    "CREATE TRIGGER tag_counts_tag_insert_delete AFTER INSERT OR DELETE ON ticket_tags"
    " FOR EACH ROW EXECUTE FUNCTION tag_counts_tag_change()",
    "CREATE TRIGGER tag_counts_ticket_update AFTER UPDATE OF status, department_key ON tickets"
    " FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status"
    " OR OLD.department_key IS DISTINCT FROM NEW.department_key)"
    " EXECUTE FUNCTION tag_counts_ticket_change()",
    "CREATE TRIGGER tag_counts_ticket_delete BEFORE DELETE ON tickets"
    " FOR EACH ROW EXECUTE FUNCTION tag_counts_ticket_change()",
]


def upgrade() -> None:
    op.create_table(
        "tag_counts",
        sa.Column(
            "workspace_id",
            sa.String(36),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag_id", sa.BigInteger(), primary_key=True),
        sa.Column("department_key", sa.String(100), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # no tag or ticket may change between the count and the triggers
        op.execute("LOCK TABLE tickets, ticket_tags IN SHARE ROW EXCLUSIVE MODE")
    op.execute(
        f"INSERT INTO tag_counts {COLUMNS}"
        " SELECT tt.workspace_id, tt.tag_id, coalesce(t.department_key, ''), t.status, 0,"
        " COUNT(*) FROM ticket_tags tt JOIN tickets t"
        " ON t.workspace_id = tt.workspace_id AND t.id = tt.ticket_id"
        " GROUP BY tt.workspace_id, tt.tag_id, coalesce(t.department_key, ''), t.status"
    )
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tag_counts_ticket_delete ON tickets")
        op.execute("DROP TRIGGER tag_counts_ticket_update ON tickets")
        op.execute("DROP TRIGGER tag_counts_tag_insert_delete ON ticket_tags")
        op.execute("DROP FUNCTION tag_counts_ticket_change()")
        op.execute("DROP FUNCTION tag_counts_tag_change()")
    else:
        for name in ("tag_insert", "tag_delete", "ticket_update", "ticket_delete"):
            op.execute(f"DROP TRIGGER tag_counts_{name}")
    op.drop_table("tag_counts")
