"""members version: `workspaces.members_version` counts changes to the workspace's
members, kept by triggers on `people`, so a process reloading a workspace's cached
configuration reads its members again only when they changed

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A people row that is, or was, a member: its insert, update or delete.
WHEN = {
    "insert": ("new.is_member", "new"),
    "update": ("old.is_member OR new.is_member", "new"),
    "delete": ("old.is_member", "old"),
}


def _bump(row: str) -> str:
    return (
        "UPDATE workspaces SET members_version = members_version + 1"
        f" WHERE id = {row}.workspace_id;"
    )


SQLITE = [
    f"CREATE TRIGGER members_version_{event} AFTER {event.upper()} ON people WHEN {when}"
    f" BEGIN {_bump(row)} END"
    for event, (when, row) in WHEN.items()
]
POSTGRESQL = [
    "CREATE FUNCTION members_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    f" IF TG_OP = 'DELETE' THEN {_bump('OLD')} ELSE {_bump('NEW')} END IF;"
    " RETURN NULL;"
    " END $$",
    *(
        f"CREATE TRIGGER members_version_{event} AFTER {event.upper()} ON people"
        f" FOR EACH ROW WHEN ({when.upper()}) EXECUTE FUNCTION members_version_bump()"
        for event, (when, _) in WHEN.items()
    ),
]


def upgrade() -> None:
    op.add_column(
        "workspaces",
        sa.Column("members_version", sa.BigInteger(), nullable=False, server_default="0"),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event in WHEN:
        op.execute(f"DROP TRIGGER members_version_{event}" + (" ON people" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION members_version_bump()")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("members_version")
