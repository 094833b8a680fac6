"""ticket counts: how many tickets each workspace has per department and status, kept by
triggers on `tickets`, so list totals stay as cheap at a million tickets as at ten

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "(workspace_id, department_key, status, slot)"


def _sqlite_add(row: str, delta: int) -> str:
    return (
        "INSERT INTO ticket_counts (workspace_id, department_key, status, slot, n)"
        f" VALUES ({row}.workspace_id, coalesce({row}.department_key, ''), {row}.status, 0,"
        f" {delta}) ON CONFLICT {KEY} DO UPDATE SET n = n + ({delta});"
    )


SQLITE = [
    "CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN"
    f" {_sqlite_add('new', 1)} END",
    "CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, department_key ON tickets"
    " WHEN old.status IS NOT new.status OR old.department_key IS NOT new.department_key BEGIN"
    f" {_sqlite_add('old', -1)} {_sqlite_add('new', 1)} END",
    "CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN"
    f" {_sqlite_add('old', -1)} END",
]

# Each server process (backend) adds to its own slot, so concurrent transactions do not
# wait on one row. An update touches its two rows in one fixed order: two transactions
# sharing a slot cannot then deadlock on them.
POSTGRESQL = [
    "CREATE FUNCTION ticket_counts_add(ws text, dept text, st text, delta bigint)"
    " RETURNS void LANGUAGE sql AS $$"
    " INSERT INTO ticket_counts (workspace_id, department_key, status, slot, n)"
    " VALUES (ws, coalesce(dept, ''), st, pg_backend_pid() % 16, delta)"
    f" ON CONFLICT {KEY} DO UPDATE SET n = ticket_counts.n + EXCLUDED.n $$",
    "CREATE FUNCTION ticket_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " IF TG_OP = 'INSERT' THEN"
    "   PERFORM ticket_counts_add(NEW.workspace_id, NEW.department_key, NEW.status, 1);"
    " ELSIF TG_OP = 'DELETE' THEN"
    "   PERFORM ticket_counts_add(OLD.workspace_id, OLD.department_key, OLD.status, -1);"
    " ELSIF (coalesce(OLD.department_key, ''), OLD.status)"
    "     < (coalesce(NEW.department_key, ''), NEW.status) THEN"
    "   PERFORM ticket_counts_add(OLD.workspace_id, OLD.department_key, OLD.status, -1);"
    "   PERFORM ticket_counts_add(NEW.workspace_id, NEW.department_key, NEW.status, 1);"
    " ELSE"
    "   PERFORM ticket_counts_add(NEW.workspace_id, NEW.department_key, NEW.status, 1);"
    "   PERFORM ticket_counts_add(OLD.workspace_id, OLD.department_key, OLD.status, -1);"
    " END IF;"
    " RETURN NULL;"
    " END $$",
    "CREATE TRIGGER ticket_counts_insert_delete AFTER INSERT OR DELETE ON tickets"
    " FOR EACH ROW EXECUTE FUNCTION ticket_counts_change()",
    "CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, department_key ON tickets"
    " FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status"
    " OR OLD.department_key IS DISTINCT FROM NEW.department_key)"
    " EXECUTE FUNCTION ticket_counts_change()",
]


def upgrade() -> None:
    op.create_table(
        "ticket_counts",
        sa.Column(
            "workspace_id",
            sa.String(36),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("department_key", sa.String(100), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("slot", sa.SmallInteger(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # no ticket may be written between the count and the triggers
        op.execute("LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE")
    op.execute(
        "INSERT INTO ticket_counts (workspace_id, department_key, status, slot, n)"
        " SELECT workspace_id, coalesce(department_key, ''), status, 0, COUNT(*) FROM tickets"
        " GROUP BY workspace_id, coalesce(department_key, ''), status"
    )
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ticket_counts_update ON tickets")
        op.execute("DROP TRIGGER ticket_counts_insert_delete ON tickets")
        op.execute("DROP FUNCTION ticket_counts_change()")
        op.execute("DROP FUNCTION ticket_counts_add(text, text, text, bigint)")
    else:
        for change in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER ticket_counts_{change}")
    op.drop_table("ticket_counts")
